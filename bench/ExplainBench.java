import dev.digitlab.data.DataFolder;
import dev.digitlab.data.Dataset;
import dev.digitlab.data.Digits;
import dev.digitlab.eval.Deletion;
import dev.digitlab.eval.Explainer;
import dev.digitlab.report.Charts;
import java.nio.file.Path;
import java.util.Map;

/**
 * Deletion test of the explanation methods (bench/explain): the rates the suite asserts, and deletion curves (the
 * predicted class's mean probability against the fraction of pixels deleted, each method's order against random)
 * drawn to OUT/explain-deletion-MODEL.png.
 */
public class ExplainBench {
    public static void main(String[] args) throws Exception {
        Path model = Path.of(args[0]);
        int images = Integer.parseInt(args[1]);
        Path out = Path.of(args[2]);
        Digits test = DataFolder.load(Dataset.MNIST, DataFolder.defaultDir(Dataset.MNIST)).test();
        String name = model.getFileName().toString();
        Map<Explainer.Method, Deletion> rates = Deletion.measure(model, test, images, 0.10, 10, 1);
        System.out.println("| model | method | beats random deletion (10 % of pixels) on | mean probability drop | random's |");
        System.out.println("|---|---|---|---|---|");
        rates.forEach((m, d) -> System.out.printf("| %s | %s | %.1f %% of %d images | %.4f | %.4f |%n", name, m,
                100 * d.winRate(), images, d.meanDrop(), d.meanRandomDrop()));
        double[] fractions = {0, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5};
        Map<String, double[]> curves = Deletion.curves(model, test, images, fractions, 10, 1);
        double[] percent = new double[fractions.length];
        for (int i = 0; i < fractions.length; i++) {
            percent[i] = 100 * fractions[i];
        }
        String file = Charts.save(Charts.lines("Deletion curves: " + name + ", " + images + " test images",
                "pixels deleted (%), most important first", "mean probability of the predicted class", percent, curves),
                out, "explain-deletion-" + name);
        java.nio.file.Files.deleteIfExists(out.resolve("explain-deletion-" + name + ".svg")); // the PNG is what docs show
        System.out.println();
        System.out.print("| fraction deleted |");
        for (double p : percent) {
            System.out.printf(" %.0f %% |", p);
        }
        System.out.println();
        System.out.println("|---|" + "---|".repeat(percent.length));
        curves.forEach((k, v) -> {
            System.out.print("| " + k + " |");
            for (double x : v) {
                System.out.printf(" %.3f |", x);
            }
            System.out.println();
        });
        System.out.println();
        System.out.println("chart: " + out.resolve(file));
    }
}
