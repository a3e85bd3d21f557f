package dev.digitlab.train;

import dev.digitlab.data.Digits;
import dev.digitlab.model.Models;
import dev.digitlab.model.Summary;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import me.tongfei.progressbar.ProgressBar;

/**
 * Trains every variant several times with seeds seed, seed+1, ... into {@code out/<variant>/run-<k>}
 * ({@link SeededRuns}: finished runs kept, stopped ones continued, so the whole experiment can be stopped and
 * started again). Each run's lines go to its own train.log; the console gets one bar across runs.
 */
public final class Experiment {

    /** A named training configuration; its seed is the first run's. */
    public record Variant(String name, TrainConfig config) {}

    /** What one run left: test accuracy, mean epoch seconds, whether it was trained now or found finished. */
    public record Run(Variant variant, int index, long seed, double testAccuracy, double epochSeconds, boolean reused) {}

    private Experiment() {}

    public static List<Run> run(List<Variant> variants, int runs, Digits training, Digits test, Path out, boolean progress)
            throws IOException {
        List<Run> done = new ArrayList<>();
        try (ProgressBar bar = progress ? ProgressBars.bar("runs", (long) variants.size() * runs, true) : null) {
            for (Variant v : variants) {
                for (int k = 1; k <= runs; k++) {
                    if (bar != null) {
                        bar.setExtraMessage(" " + v.name() + " #" + k);
                    }
                    done.add(one(v, k, out, training, test));
                    if (bar != null) {
                        bar.step();
                    }
                }
            }
        }
        return done;
    }

    /**
     * Run k of variant {@code v} into its folder under {@code out}, with its train.log and event log: what a cluster
     * task does (the local loop above does the same for every run).
     */
    public static Run one(Variant v, int k, Path out, Digits training, Digits test) throws IOException {
        SeededRuns.Run r = SeededRuns.one(v.config(), k, RunFolder.open(folder(out, v, k)), training, test, new SeededRuns.Hooks() {
            @Override
            public List<TrainingListener> listeners(int run, Path dir) {
                return Listeners.toFiles(dir);
            }
        });
        return new Run(v, k, r.config().seed(), r.testAccuracy(), meanEpochSeconds(r.history()), r.kept());
    }

    /** Where run k of a variant goes. */
    public static Path folder(Path out, Variant v, int k) {
        return out.resolve(slug(v.name())).resolve("run-" + k);
    }

    private static double meanEpochSeconds(List<EpochStats> history) {
        return history.stream().mapToDouble(EpochStats::seconds).average().orElse(Double.NaN);
    }

    /** Trainable parameters of a variant's model. */
    public static long parameters(Variant v) {
        return Summary.of(Models.create(v.config().model())).trainable();
    }

    /** A folder name for a variant: lower case, runs of other characters as one dash. */
    public static String slug(String name) {
        String s = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9.]+", "-").replaceAll("^-|-$", "");
        return s.isEmpty() ? "variant" : s;
    }
}
