package dev.digitlab.train;

import dev.digitlab.DigitlabException;
import dev.digitlab.data.Digits;
import dev.digitlab.model.ModelFolder;
import dev.digitlab.model.Models;
import dev.digitlab.model.Summary;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Trains every variant several times with seeds seed, seed+1, ... into {@code out/<variant>/run-<k>}. Finished runs
 * are kept and skipped, a run that was stopped is resumed from its checkpoint, so the whole experiment can be
 * stopped and started again. Each run's epoch lines go to its own train.log; the console gets one bar across runs.
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
        try (ProgressBar bar = progress ? new ProgressBarBuilder().setTaskName("runs").setInitialMax((long) variants.size() * runs)
                .setStyle(ProgressBarStyle.ASCII).setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(System.err))
                .build() : null) {
            for (Variant v : variants) {
                for (int k = 1; k <= runs; k++) {
                    long seed = v.config().seed() + k - 1;
                    Path dir = out.resolve(slug(v.name())).resolve("run-" + k);
                    if (bar != null) {
                        bar.setExtraMessage(" " + v.name() + " #" + k);
                    }
                    done.add(finished(dir, v.config().withSeed(seed)) ? reuse(v, k, seed, dir)
                            : train(v, k, seed, dir, training, test));
                    if (bar != null) {
                        bar.step();
                    }
                }
            }
        }
        return done;
    }

    private static Run train(Variant v, int k, long seed, Path dir, Digits training, Digits test) throws IOException {
        TrainConfig c = v.config().withSeed(seed);
        boolean resume = Trainer.started(dir);
        Files.createDirectories(dir);
        try (PrintWriter log = new PrintWriter(Files.newBufferedWriter(dir.resolve("train.log"),
                StandardOpenOption.CREATE, StandardOpenOption.APPEND))) {
            Trainer.Result r = Trainer.run(c, training, test, dir, resume, false, line -> {
                log.println(line);
                log.flush();
            });
            return new Run(v, k, seed, r.testAccuracy(), meanEpochSeconds(r.history()), false);
        }
    }

    /**
     * Whether {@code dir} holds a finished run of {@code config}: its sidecar carries a test accuracy (written only
     * after the last epoch). A finished run of another configuration is an error, never silently reused.
     */
    public static boolean finished(Path dir, TrainConfig config) {
        if (!ModelFolder.isModel(dir)) {
            return false;
        }
        ModelFolder.Sidecar s = ModelFolder.readSidecar(dir);
        var acc = s.metrics().get("testAccuracy");
        if (acc == null || !acc.isNumber()) {
            return false;
        }
        if (!config.equals(TrainConfig.fromJson(s.training()))) {
            throw new DigitlabException(dir + " holds a finished run of another configuration; choose another --out");
        }
        return true;
    }

    private static Run reuse(Variant v, int k, long seed, Path dir) {
        double acc = ModelFolder.readSidecar(dir).metrics().get("testAccuracy").asDouble();
        try {
            return new Run(v, k, seed, acc, meanEpochSeconds(History.read(dir)), true);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
        String s = name.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9.]+", "-").replaceAll("^-|-$", "");
        return s.isEmpty() ? "variant" : s;
    }
}
