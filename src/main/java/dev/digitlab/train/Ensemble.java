package dev.digitlab.train;

import dev.digitlab.data.Digits;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Trains the members of an ensemble: one configuration with seeds seed, seed + 1, ..., member k in DIR/member-k
 * (finished members kept, stopped ones continued: {@link SeededRuns}). Averaging them is the classifier's job
 * (eval), and so is the ensemble's own file, which names the members.
 */
public final class Ensemble {
    private Ensemble() {}

    public static String memberName(int k) {
        return "member-" + k;
    }

    /** Trains (or keeps) {@code size} members; each trained one gets fresh listeners for its folder. */
    public static List<SeededRuns.Run> train(TrainConfig config, int size, Digits training, Digits test, Path dir,
                                            Function<Path, List<TrainingListener>> listeners, Consumer<String> log)
            throws IOException {
        return SeededRuns.run(config, size, k -> dir.resolve(memberName(k)), training, test, new SeededRuns.Hooks() {
            @Override
            public void before(int k, TrainConfig c, Path member, boolean finished) {
                log.accept(finished ? "member " + k + " of " + size + " is finished in " + member + "; kept"
                        : "member " + k + " of " + size + " (seed " + c.seed() + ") into " + member);
            }

            @Override
            public List<TrainingListener> listeners(int k, Path member) {
                return listeners.apply(member);
            }
        });
    }
}
