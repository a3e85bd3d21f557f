package dev.digitlab.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.Slow;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An output folder that refuses writes (made immutable with chattr, since the tests run as root), and a disk
 * that fills up in the middle of a run, made with a file-size limit ({@code ulimit -f}; the JVM ignores
 * SIGXFSZ, so writes past the limit fail with "File too large" as they would with ENOSPC): one clear error line,
 * exit 1, and the checkpoint of the last finished epoch intact and resumable.
 */
@Slow // child processes on a full disk
class FullDiskTest {
    @TempDir
    Path dir;

    static Process train(Path out, String limitKb, String... extra) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cmd = (limitKb == null ? "" : "ulimit -f " + limitKb + "; ") + "exec \"" + java + "\" -cp \""
                + System.getProperty("java.class.path") + "\" -Dai.djl.offline=true dev.digitlab.cli.Main train --model mlp"
                + " --limit 2400 --no-progress " + String.join(" ", extra);
        return new ProcessBuilder("bash", "-c", cmd).redirectErrorStream(true).start();
    }

    /** A normal two-epoch run; returns its checkpoint's bytes. */
    static byte[] trainTwoEpochs(Path out) throws Exception {
        Process first = train(out, null, "--epochs", "2", "--out", out.toString());
        String log = new String(first.getInputStream().readAllBytes());
        assertThat(first.waitFor(3, TimeUnit.MINUTES)).isTrue();
        assertThat(first.exitValue()).as(log).isZero();
        return Files.readAllBytes(out.resolve(Checkpoint.FILE));
    }

    @Test
    void aFullDiskGivesOneLineAndKeepsTheLastCheckpoint() throws Exception {
        Path out = dir.resolve("run");
        byte[] checkpoint = trainTwoEpochs(out);

        // the mlp's weights take 0.9 MB, its checkpoint 2.8 MB: with 1.5 MB allowed, epoch 3's checkpoint cannot be written
        Process full = train(out, "1500", "--epochs", "4", "--resume", out.toString());
        String log = new String(full.getInputStream().readAllBytes());
        assertThat(full.waitFor(3, TimeUnit.MINUTES)).isTrue();
        assertThat(full.exitValue()).as(log).isEqualTo(1);
        List<String> errors = log.lines().filter(l -> l.startsWith("digitlab: error:")).toList();
        assertThat(errors).hasSize(1);
        assertThat(errors.get(0)).contains("cannot write " + out.resolve(Checkpoint.FILE)).contains("File too large")
                .contains("intact");
        assertThat(log).doesNotContain("\tat ");
        assertThat(Files.readAllBytes(out.resolve(Checkpoint.FILE))).isEqualTo(checkpoint);
        assertThat(Checkpoint.read(out).state().epochsDone()).isEqualTo(2);

        Process resumed = train(out, null, "--epochs", "4", "--resume", out.toString());
        String resumedLog = new String(resumed.getInputStream().readAllBytes());
        assertThat(resumed.waitFor(3, TimeUnit.MINUTES)).isTrue();
        assertThat(resumed.exitValue()).as(resumedLog).isZero();
        assertThat(History.read(out)).hasSize(4);
    }

    static int run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor();
    }

    @Test
    void aFolderThatRefusesWritesGivesOneLineAndKeepsTheLastCheckpoint() throws Exception {
        Path out = dir.resolve("run");
        byte[] checkpoint = trainTwoEpochs(out);
        // root ignores permissions; an immutable folder refuses new files and renames even to root
        assertThat(run("chattr", "+i", out.toString())).as("chattr +i must work on this file system").isZero();
        try {
            Process refused = train(out, null, "--epochs", "4", "--resume", out.toString());
            String log = new String(refused.getInputStream().readAllBytes());
            assertThat(refused.waitFor(3, TimeUnit.MINUTES)).isTrue();
            assertThat(refused.exitValue()).as(log).isEqualTo(1);
            List<String> errors = log.lines().filter(l -> l.startsWith("digitlab: error:")).toList();
            assertThat(errors).as(log).hasSize(1);
            assertThat(errors.get(0)).contains("cannot write " + out).contains("intact");
            assertThat(log).doesNotContain("\tat ");
        } finally {
            run("chattr", "-i", out.toString());
        }
        assertThat(Files.readAllBytes(out.resolve(Checkpoint.FILE))).isEqualTo(checkpoint);
        assertThat(Checkpoint.read(out).state().epochsDone()).isEqualTo(2);
    }
}
