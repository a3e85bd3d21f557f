import dev.digitlab.data.DataFolder;
import dev.digitlab.data.Dataset;
import dev.digitlab.data.Digits;
import dev.digitlab.eval.Pca;
import dev.digitlab.eval.Tsne;

/** bench/tsne: PCA to 50 and exact t-SNE of N raw MNIST test images; prints a Markdown row per size. */
public class TsneBench {
    public static void main(String[] args) {
        Digits test = DataFolder.load(Dataset.MNIST, DataFolder.defaultDir(Dataset.MNIST)).test();
        System.out.println("| points | PCA s | t-SNE s | total s | 5-NN accuracy |");
        System.out.println("|---|---|---|---|---|");
        for (String a : args) {
            int n = Integer.parseInt(a);
            double[][] x = new double[n][784];
            int[] labels = new int[n];
            for (int i = 0; i < n; i++) {
                labels[i] = test.label(i);
                for (int p = 0; p < 784; p++) {
                    x[i][p] = (test.pixels()[i * 784 + p] & 0xff) / 255.0;
                }
            }
            long t0 = System.nanoTime();
            double[][] reduced = Pca.project(x, 50, 1);
            long t1 = System.nanoTime();
            double[][] y = Tsne.embed(reduced, 30, 1);
            long t2 = System.nanoTime();
            System.out.printf("| %d | %.1f | %.1f | %.1f | %.1f %% |%n", n, (t1 - t0) / 1e9, (t2 - t1) / 1e9, (t2 - t0) / 1e9,
                    100 * Tsne.knnAccuracy(y, labels, 5));
        }
    }
}
