package dev.digitlab.train;

import dev.digitlab.data.Digits;
import dev.digitlab.model.ModelFolder;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Several models of one configuration, with seeds seed, seed + 1, ..., each in DIR/member-k. A member that is
 * finished is kept and one that was stopped is resumed, so running the same command again completes an ensemble.
 * Averaging the members is the classifier's job (eval), which reads DIR/ensemble.json.
 */
public final class Ensemble {
    /** One member: its folder name inside the ensemble and its test figures (NaN without a test set). */
    public record Member(String name, double testLoss, double testAccuracy) {}

    private Ensemble() {}

    public static List<Member> train(TrainConfig config, int size, Digits training, Digits test, Path dir,
                                     boolean progress, Consumer<String> log) throws IOException {
        List<Member> members = new ArrayList<>();
        for (int k = 1; k <= size; k++) {
            TrainConfig c = config.withSeed(config.seed() + k - 1);
            String name = "member-" + k;
            Path member = dir.resolve(name);
            if (Experiment.finished(member, c)) {
                log.accept("member " + k + " of " + size + " is finished in " + member + "; kept");
            } else {
                log.accept("member " + k + " of " + size + " (seed " + c.seed() + ") into " + member);
                Trainer.run(c, training, test, member, Trainer.started(member), progress, log);
            }
            var metrics = ModelFolder.readSidecar(member).metrics();
            members.add(test == null ? new Member(name, Double.NaN, Double.NaN)
                    : new Member(name, metrics.get("testLoss").asDouble(), metrics.get("testAccuracy").asDouble()));
        }
        return members;
    }
}
