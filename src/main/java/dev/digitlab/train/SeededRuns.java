package dev.digitlab.train;

import dev.digitlab.data.Digits;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
            runs.add(one(config, k, RunFolder.open(folder.apply(k)), training, test, hooks));
        }
        return runs;
    }

    /**
     * Run k alone (seed config.seed() + k - 1) in the folder {@code found} read: trained there when it is empty,
     * continued when it holds the same run stopped, or finished with fewer epochs, kept when finished. The saved run's
     * configuration decides what may differ ({@link TrainConfig#continuedWith}: one rule for every continued run);
     * the recipe's name is not compared, since all of its settings are.
     */
    public static Run one(TrainConfig config, int k, RunFolder.Found found, Digits training, Digits test, Hooks hooks)
            throws IOException {
        TrainConfig asked = config.withSeed(config.seed() + k - 1);
        Path dir = found.dir();
        Map<String, Object> settings = asked.settings();
        settings.remove("recipe");
        TrainConfig c = found.config() == null ? asked : found.config().continuedWith(settings, dir.toString());
        boolean kept = found.stage() == RunFolder.Stage.FINISHED && nothingToTrain(found, c);
        hooks.before(k, c, dir, kept);
        Run run;
        if (kept) {
            run = new Run(k, c, dir, true, History.read(dir), found.sidecar().metrics().loss(), found.sidecar().metrics().accuracy());
        } else {
            RunFolder f = found.stage() == RunFolder.Stage.EMPTY ? found.fresh() : found.continued();
            List<TrainingListener> listeners = new ArrayList<>(hooks.listeners(k, dir));
            listeners.add(f);
            Result r = Trainer.run(c, training, test, f.checkpoint(), listeners);
            run = new Run(k, c, dir, false, r.history(), r.testLoss(), r.testAccuracy());
        }
        hooks.after(run);
        return run;
    }

    /**
     * Whether a finished run continued with {@code c} would train no epoch: it has all of them, or its early stop
     * still holds under c's patience (a run saved without a checkpoint has only its sidecar's epoch count to go by).
     */
    private static boolean nothingToTrain(RunFolder.Found found, TrainConfig c) {
        if (found.checkpoint() == null) {
            return c.epochs() == found.config().epochs();
        }
        Checkpoint.State s = found.checkpoint().state();
        return s.epochsDone() >= c.epochs() || (c.patience() > 0 && s.badEpochs() >= c.patience());
    }
}
