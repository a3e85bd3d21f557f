package dev.digitlab.train;

import dev.digitlab.DigitlabException;
import dev.digitlab.data.Digits;
import dev.digitlab.model.ModelFolder;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.IntFunction;

/**
 * Runs 1..n of one configuration with seeds seed, seed + 1, ..., each in its own folder: a finished run is kept,
 * a stopped one continues from its checkpoint, so the same command run again completes the set. Ensembles and
 * experiments are made of these.
 */
public final class SeededRuns {

    /** Run k: its configuration and folder, whether it was found finished, its history and test figures. */
    public record Run(int k, TrainConfig config, Path dir, boolean kept, List<EpochStats> history, double testLoss,
                      double testAccuracy) {}

    /** What happens around each run: a line before it, its listeners, something after it. */
    public interface Hooks {
        default void before(int k, TrainConfig config, Path dir, boolean finished) {}

        default List<TrainingListener> listeners(int k, Path dir) {
            return List.of();
        }

        default void after(Run run) {}
    }

    private SeededRuns() {}

    public static List<Run> run(TrainConfig config, int n, IntFunction<Path> folder, Digits training, Digits test, Hooks hooks)
            throws IOException {
        List<Run> runs = new ArrayList<>();
        for (int k = 1; k <= n; k++) {
            runs.add(one(config, k, folder.apply(k), training, test, hooks));
        }
        return runs;
    }

    /** Run k alone (seed config.seed() + k - 1) in {@code dir}: kept if finished, continued if stopped, else trained. */
    public static Run one(TrainConfig config, int k, Path dir, Digits training, Digits test, Hooks hooks) throws IOException {
        TrainConfig c = config.withSeed(config.seed() + k - 1);
        boolean finished = finished(dir, c);
        hooks.before(k, c, dir, finished);
        Run run;
        if (finished) {
            var metrics = ModelFolder.readSidecar(dir).metrics();
            run = new Run(k, c, dir, true, History.read(dir), metrics.path("testLoss").asDouble(Double.NaN),
                    metrics.path("testAccuracy").asDouble(Double.NaN));
        } else {
            RunFolder f;
            if (RunFolder.started(dir)) {
                TrainConfig saved = RunFolder.savedConfig(dir);
                f = RunFolder.resume(dir, saved == null ? c : saved.continuedWith(c, Set.copyOf(TrainConfig.SETTINGS), dir.toString()));
            } else {
                f = RunFolder.fresh(dir);
            }
            List<TrainingListener> listeners = new ArrayList<>(hooks.listeners(k, dir));
            listeners.add(f);
            Trainer.Result r = Trainer.run(c, training, test, f.checkpoint(), listeners);
            run = new Run(k, c, dir, false, r.history(), r.testLoss(), r.testAccuracy());
        }
        hooks.after(run);
        return run;
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
        if (!config.sameRunAs(TrainConfig.fromJson(s.training()))) {
            throw new DigitlabException(dir + " holds a finished run of another configuration; choose another {@out}");
        }
        return true;
    }
}
