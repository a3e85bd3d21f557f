package example;

import dev.digitlab.api.Classifier;
import java.io.File;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** Classifies a picture of a digit with a model trained by digitlab: java example.ClassifyDigit MODEL_DIR PICTURE. */
public class ClassifyDigit {
    public static void main(String[] args) throws Exception {
        try (Classifier model = Classifier.load(Path.of(args[0]))) {
            Classifier.Prediction p = model.classify(ImageIO.read(new File(args[1])));
            System.out.printf("%s: %s (%.1f %%)%n", args[1], p.className(), 100 * p.confidence());
            for (int c = 0; c < p.probabilities().length; c++) {
                System.out.printf("  %s %.4f%n", model.classNames().get(c), p.probabilities()[c]);
            }
        }
    }
}
