import dev.digitlab.data.DataFolder;
import dev.digitlab.data.Dataset;
import dev.digitlab.data.Digits;
import dev.digitlab.api.Classifier;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * bench/inference, digitlab's side: single-image latency through {@link Classifier} (the path `predict` and `serve`
 * take after decoding: padding, normalisation, forward pass, softmax) and batch throughput over the test set.
 * Prints one line: model p50_ms p99_ms images_per_s.
 */
public class InferenceBench {
    public static void main(String[] args) {
        Path model = Path.of(args[0]);
        int singles = Integer.parseInt(args[1]);
        Digits test = DataFolder.load(Dataset.MNIST, DataFolder.defaultDir(Dataset.MNIST)).test();
        try (Classifier c = Classifier.load(model)) {
            double[] ms = new double[singles];
            for (int i = -singles / 5; i < singles; i++) { // the first fifth warms up
                byte[] image = Arrays.copyOfRange(test.pixels(), (i & 8191) * 784, ((i & 8191) + 1) * 784);
                long t0 = System.nanoTime();
                c.probabilities(List.of(image));
                if (i >= 0) {
                    ms[i] = (System.nanoTime() - t0) / 1e6;
                }
            }
            Arrays.sort(ms);
            c.outputs(test); // warm-up
            long t0 = System.nanoTime();
            int rounds = 3;
            for (int r = 0; r < rounds; r++) {
                c.outputs(test);
            }
            double perSecond = rounds * test.size() / ((System.nanoTime() - t0) / 1e9);
            System.out.printf("%s %.3f %.3f %.0f%n", model.getFileName(), ms[singles / 2], ms[singles * 99 / 100], perSecond);
        }
    }
}
