package dev.digitlab.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.Child;
import dev.digitlab.eval.Classifier;
import dev.digitlab.model.ModelFolder;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@code digitlab train} as a separate process and kills it with SIGKILL at random moments (fixed seed),
 * some of them inside a checkpoint write: every time, what is in the folder loads, {@code --resume} goes on,
 * and the finished history equals that of a run that was never killed.
 */
class KilledTrainingTest {
    static final List<String> RUN = List.of("train", "--model", "mlp", "--limit", "2400", "--epochs", "12",
            "--batch-size", "32", "--lr-schedule", "cosine", "--seed", "5", "--no-progress");

    @TempDir
    Path dir;

    static Process start(Path out, boolean resume, long slowWritesMs, Path log) throws IOException {
        List<String> args = new ArrayList<>(RUN);
        args.addAll(resume ? List.of("--resume", out.toString()) : List.of("--out", out.toString()));
        List<String> cmd = Child.command(List.of("-Ddigitlab.test.slowWritesMs=" + slowWritesMs), args);
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
    }

    static boolean checkpointBeingWritten(Path out) throws IOException {
        if (!Files.isDirectory(out)) {
            return false;
        }
        try (Stream<Path> files = Files.list(out)) {
            return files.anyMatch(p -> p.getFileName().toString().startsWith(".checkpoint.zip"));
        }
    }

    /** Whatever a kill left must read back: a checkpoint, a model, a history, each whole or absent. */
    static void assertFolderLoads(Path out) throws IOException {
        if (Files.exists(out.resolve(Checkpoint.FILE))) {
            Checkpoint ck = Checkpoint.read(out);
            assertThat(ck.state().history()).hasSize(ck.state().epochsDone());
        }
        for (Path model : List.of(out, out.resolve("best"))) {
            if (ModelFolder.isModel(model)) {
                try (var m = Classifier.class.getDeclaredConstructor(Path.class).newInstance(model)) {
                    assertThat(m.sidecar().architecture()).isEqualTo("mlp");
                } catch (ReflectiveOperationException e) {
                    throw new AssertionError(e);
                }
            }
        }
        if (Files.exists(out.resolve(History.JSON_FILE))) {
            assertThat(History.read(out)).isNotEmpty();
        }
    }

    @Test
    void sigkillAtRandomMomentsNeverCostsMoreThanTheCurrentEpoch() throws Exception {
        Path log = dir.resolve("train.log");
        Path whole = dir.resolve("whole");
        Process p = start(whole, false, 0, log);
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
        assertThat(p.exitValue()).as(Files.readString(log)).isZero();

        Path out = dir.resolve("killed");
        Random random = new Random(42);
        int kills = 0;
        int duringCheckpoint = 0;
        boolean started = false;
        while (kills < 6) {
            boolean aimAtCheckpoint = kills % 2 == 1; // every other kill lands inside a checkpoint write
            // Slowed writes (250-400 ms each) stretch an epoch to about 2 s on any machine, so that the kills, 0.5-4 s
            // after a start that itself takes about 1.5 s, land inside the run and it cannot finish first.
            p = start(out, started, aimAtCheckpoint ? 400 : 250, log);
            started = true;
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(aimAtCheckpoint ? 60_000 : 500 + random.nextInt(3500));
            boolean inCheckpoint = false;
            while (p.isAlive() && System.nanoTime() < deadline) {
                if (aimAtCheckpoint && checkpointBeingWritten(out)) {
                    inCheckpoint = true;
                    break;
                }
                Thread.sleep(aimAtCheckpoint ? 5 : 20);
            }
            if (!p.isAlive()) {
                break; // finished before we could kill it: nothing left to test with this process
            }
            p.destroyForcibly(); // SIGKILL: no shutdown hook, no finally block runs
            p.waitFor();
            kills++;
            duringCheckpoint += inCheckpoint ? 1 : 0;
            assertFolderLoads(out);
        }
        assertThat(kills).as(Files.readString(log)).isGreaterThanOrEqualTo(5);
        assertThat(duringCheckpoint).isGreaterThanOrEqualTo(2);

        p = start(out, true, 0, log);
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
        assertThat(p.exitValue()).as(Files.readString(log)).isZero();
        assertThat(TrainerTest.figures(History.read(out))).isEqualTo(TrainerTest.figures(History.read(whole)));
        assertThat(Files.readAllBytes(out.resolve("model.params"))).isEqualTo(Files.readAllBytes(whole.resolve("model.params")));
        try (Stream<Path> files = Files.list(out)) {
            assertThat(files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".part"))).isEmpty();
        }
        assertThat(new File(out.toFile(), "checkpoint.zip")).exists();
    }
}
