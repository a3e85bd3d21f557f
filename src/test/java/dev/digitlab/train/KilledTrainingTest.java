package dev.digitlab.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.AtomicFiles;
import dev.digitlab.Child;
import dev.digitlab.Debuggee;
import dev.digitlab.Ports;
import dev.digitlab.Slow;
import dev.digitlab.api.Classifier;
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
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@code digitlab train} as a separate process and kills it with SIGKILL six times, at places drawn at random
 * (fixed seed): a training step, half-way through writing the checkpoint's zip, and with the checkpoint written but
 * not yet renamed into place. The child runs under the JDK's debugger interface ({@link Debuggee}), which stops it
 * exactly there, so the kills land where they are aimed on any machine and digitlab carries no test hook. After
 * every kill what is in the folder loads, {@code --resume} goes on, and the finished history and weights equal
 * those of a run that was never killed.
 */
@Slow // child JVMs under the debugger, killed six times
class KilledTrainingTest {
    static final List<String> RUN = List.of("train", "--model", "mlp", "--limit", "2400", "--epochs", "12",
            "--batch-size", "32", "--lr-schedule", "cosine", "--seed", "5", "--no-progress");

    @TempDir
    Path dir;

    /** {@code debugPort}: null, or a port where the child waits for {@link Debuggee#attach}. */
    static Process start(Path out, boolean resume, Integer debugPort, Path log) throws IOException {
        List<String> args = new ArrayList<>(RUN);
        args.addAll(resume ? List.of("--resume", out.toString()) : List.of("--out", out.toString()));
        List<String> cmd = Child.command(debugPort == null ? List.of() : List.of(Debuggee.agent(debugPort)), args);
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
    }

    /** Waits for a child to end; one that does not within five minutes is killed and the test fails. */
    static void finish(Process p) throws InterruptedException {
        try {
            assertThat(p.waitFor(5, TimeUnit.MINUTES)).as("training ended").isTrue();
        } finally {
            p.destroyForcibly();
        }
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
                try (Classifier m = Classifier.load(model)) {
                    assertThat(m.sidecar().architecture()).isEqualTo("mlp");
                }
            }
        }
        if (Files.exists(out.resolve(History.JSON_FILE))) {
            assertThat(History.read(out)).isNotEmpty();
        }
    }

    @Test
    void sigkillAtRandomPlacesNeverCostsMoreThanTheCurrentEpoch() throws Exception {
        // where the kills land, by class literal, each method looked up now: a rename fails here, by name
        Debuggee.Place trainingStep = Debuggee.at(Trainer.Events.class, "step");
        Debuggee.Place renameIntoPlace = Debuggee.at(AtomicFiles.class, "move");
        Debuggee.Place zipEntryWritten = Debuggee.at(ZipOutputStream.class, "closeEntry");
        Path log = dir.resolve("train.log");
        Path whole = dir.resolve("whole");
        Process p = start(whole, false, null, log);
        finish(p);
        assertThat(p.exitValue()).as(Files.readString(log)).isZero();

        Path out = dir.resolve("killed");
        Random random = new Random(42);
        for (int kill = 0; kill < 6; kill++) {
            int port = Ports.free();
            p = start(out, kill > 0, port, log);
            Debuggee child = null;
            try {
                child = Debuggee.attach(port);
                boolean aimAtCheckpoint = kill % 2 == 1;
                // a step in the first three epochs this process trains (an epoch is 75 steps)
                child.stopAt(trainingStep, 1 + random.nextInt(aimAtCheckpoint ? 150 : 200));
                assertThat(child.awaitStop(120_000)).as("stopped at the step (%s)", Files.readString(log)).isTrue();
                if (aimAtCheckpoint) { // then the end of that epoch, inside its checkpoint write
                    if (kill == 3) { // the checkpoint written and forced to disk, not yet renamed into place
                        child.stopAt(renameIntoPlace, 1);
                    } else { // half-way through the checkpoint's zip: after its first entry
                        child.stopAt(zipEntryWritten, 1);
                    }
                    do {
                        assertThat(child.awaitStop(120_000)).as("stopped in a write (%s)", Files.readString(log)).isTrue();
                    } while (!checkpointBeingWritten(out));
                }
            } finally { // killed while stopped (letting the debugger go would let it run on), also when a check failed
                p.destroyForcibly(); // SIGKILL: no shutdown hook, no finally block runs
                p.waitFor();
                if (child != null) {
                    child.close();
                }
            }
            assertFolderLoads(out);
        }

        p = start(out, true, null, log);
        finish(p);
        assertThat(p.exitValue()).as(Files.readString(log)).isZero();
        assertThat(TrainerTest.figures(History.read(out))).isEqualTo(TrainerTest.figures(History.read(whole)));
        assertThat(Files.readAllBytes(out.resolve("model.params"))).isEqualTo(Files.readAllBytes(whole.resolve("model.params")));
        try (Stream<Path> files = Files.list(out)) {
            assertThat(files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".part"))).isEmpty();
        }
        assertThat(new File(out.toFile(), "checkpoint.zip")).exists();
    }
}
