package dev.digitlab.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.Child;
import dev.digitlab.Slow;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run shorter than the default epoch count, with a one-cycle schedule and augmentation, killed with SIGKILL in
 * the middle of an epoch twice and each time continued with {@code --resume DIR} and nothing else: what the user
 * did not say again must come from the run, not from the defaults, so it ends exactly as if never stopped.
 */
@Slow // a child JVM killed mid-epoch, twice
class ResumeAloneTest {
    static final List<String> RUN = List.of("train", "--model", "lenet5", "--epochs", "3", "--lr-schedule", "onecycle",
            "--lr", "3e-3", "--augment", "--limit", "6000", "--seed", "5", "--no-progress");

    @TempDir
    Path dir;

    /** Runs {@code digitlab ARGS}; with {@code killAfterLine}, SIGKILLs it {@code delayMs} after that line appears. */
    private List<String> run(List<String> args, String killAfterLine, long delayMs) throws Exception {
        Process p = new ProcessBuilder(Child.command(args.toArray(String[]::new))).redirectErrorStream(true).start();
        List<String> lines = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
            for (String line; (line = out.readLine()) != null; ) {
                lines.add(line);
                if (killAfterLine != null && line.contains(killAfterLine)) {
                    Thread.sleep(delayMs);
                    break;
                }
            }
        } finally {
            if (killAfterLine != null) {
                p.destroyForcibly(); // SIGKILL: no shutdown hook, no finally block runs
            }
            assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
        }
        assertThat(killAfterLine != null || p.exitValue() == 0).as(String.join("\n", lines)).isTrue();
        return lines;
    }

    @Test
    void aBareResumeAfterKillsMidEpochEndsLikeARunNeverStopped() throws Exception {
        Path whole = dir.resolve("whole");
        List<String> args = new ArrayList<>(RUN);
        args.addAll(List.of("--out", whole.toString()));
        run(args, null, 0);
        List<EpochStats> reference = History.read(whole);
        assertThat(reference).hasSize(3); // not the default 5
        long halfEpochMs = (long) (500 * reference.get(1).seconds());

        Path killed = dir.resolve("killed");
        args = new ArrayList<>(RUN);
        args.addAll(List.of("--out", killed.toString()));
        // first kill: half-way through epoch 1 (its lines before the first epoch line are the run's opening lines)
        run(args, "class balance", halfEpochMs);
        assertThat(Checkpoint.read(killed).state().epochsDone()).as("killed inside epoch 1").isZero();
        // second: resumed with --resume alone, killed half-way through epoch 2
        List<String> resumed = run(List.of("train", "--resume", killed.toString()), "epoch 1/3", halfEpochMs);
        assertThat(resumed).noneMatch(l -> l.contains("/5"));
        assertThat(Checkpoint.read(killed).state().epochsDone()).as("killed inside epoch 2").isEqualTo(1);
        // third: resumed again, to the end
        List<String> last = run(List.of("train", "--resume", killed.toString()), null, 0);
        assertThat(last).anyMatch(l -> l.contains("resuming after epoch 1 of 3")).anyMatch(l -> l.contains("epoch 3/3"));

        assertThat(TrainerTest.figures(History.read(killed))).isEqualTo(TrainerTest.figures(reference));
        assertThat(Files.readAllBytes(killed.resolve("model.params"))).isEqualTo(Files.readAllBytes(whole.resolve("model.params")));
        assertThat(Files.readAllBytes(killed.resolve("best/model.params")))
                .isEqualTo(Files.readAllBytes(whole.resolve("best/model.params")));
        assertThat(Checkpoint.read(killed).state().config()).isEqualTo(Checkpoint.read(whole).state().config());
    }
}
