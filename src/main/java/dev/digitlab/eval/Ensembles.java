package dev.digitlab.eval;

import dev.digitlab.api.Classifier;
import dev.digitlab.data.Digits;
import dev.digitlab.model.Inference;
import dev.digitlab.model.Metrics;
import dev.digitlab.model.ModelFolder;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Makes a folder of trained members an ensemble: scores the average on the test set and writes ensemble.json. */
public final class Ensembles {
    private Ensembles() {}

    /** The ensemble's test figures (null without a test set). */
    public record Figures(double loss, double accuracy) {}

    /**
     * Writes {@code dir}/ensemble.json naming {@code members} (folders inside {@code dir}), with each member's saved
     * test accuracy and, given a test set, the ensemble's own loss and accuracy on it.
     */
    public static Figures write(Path dir, List<String> members, Digits test) throws IOException {
        List<Double> each = new ArrayList<>();
        for (String member : members) {
            each.add(ModelFolder.readSidecar(dir.resolve(member)).metrics().testAccuracy());
        }
        Metrics metrics = Metrics.NONE.withMembers(test == null || each.contains(null) ? null : each);
        Figures figures = null;
        if (test != null) {
            try (Classifier all = Classifier.load(members.stream().map(dir::resolve).toList(), false)) {
                Inference.Outputs out = all.outputs(test);
                figures = new Figures(out.loss(test.labels()), out.accuracy(test.labels()));
            }
            metrics = metrics.withTest(figures.loss(), figures.accuracy());
        }
        ModelFolder.saveEnsemble(dir, members, metrics);
        return figures;
    }
}
