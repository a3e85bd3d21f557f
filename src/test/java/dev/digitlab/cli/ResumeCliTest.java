package dev.digitlab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.TestData;
import dev.digitlab.e2e.UserFiles;
import dev.digitlab.train.History;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A saved run's settings hold when it continues; options given explicitly change it only where that keeps it the
 * same run (more epochs, other patience or device), and anything else is refused with the setting and its saved value.
 */
class ResumeCliTest {
    @TempDir
    static Path shared;
    static Path run;

    @TempDir
    Path dir;

    @BeforeAll
    static void oneEpoch() {
        run = shared.resolve("run");
        CliRun r = CliRun.of("train", "--model", "mlp", "--epochs", "2", "--lr", "3e-3", "--limit", "900", "--no-progress",
                "--out", run.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
    }

    @Test
    void givenOptionsThatWouldMakeAnotherRunAreRefused() {
        CliRun lr = CliRun.of("train", "--resume", run.toString(), "--lr", "0.1");
        assertThat(lr.exitCode()).isEqualTo(1);
        assertThat(lr.err().strip()).isEqualTo("digitlab: error: --lr cannot change when the run in " + run
                + " continues (it was started with 0.003); start a new run to change it");
        CliRun fewer = CliRun.of("train", "--resume", run.toString(), "--epochs", "1");
        assertThat(fewer.err().strip()).isEqualTo("digitlab: error: --epochs can only grow when the run in " + run
                + " continues (it was started for 2)");
        CliRun model = CliRun.of("train", "--resume", run.toString(), "--model", "lenet5");
        assertThat(model.err()).contains("--model cannot change");
        CliRun same = CliRun.of("train", "--resume", run.toString(), "--lr", "3e-3", "--model", "mlp");
        assertThat(same.exitCode()).as(same.err()).isZero(); // given, but the saved values: nothing changes
    }

    @Test
    void moreEpochsContinueTheRunWithItsOwnSettings() throws Exception {
        Path copy = dir.resolve("copy");
        copyTree(run, copy);
        CliRun r = CliRun.of("train", "--resume", copy.toString(), "--epochs", "3");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.err()).contains("resuming after epoch 2 of 3").contains("training mlp on 900 images")
                .contains("lr 0.003");
        // the default one-cycle curve is drawn over three epochs now: said, with the rates before and after
        assertThat(r.err()).containsPattern("the onecycle schedule is drawn again over 3 epochs instead of 2: the rate goes on at "
                + "[0-9.e-]+ where the 2-epoch curve was at [0-9.e-]+ \\(a run started with 3 epochs would have had other rates before\\)");
        assertThat(History.read(copy)).hasSize(3);
    }

    /** One rule for every continued run: a finished run with nothing new is kept; an ensemble's members grow their epochs. */
    @Test
    void finishedRunsAreKeptAndEnsemblesContinueByTheSameRule() throws Exception {
        Path copy = dir.resolve("finished");
        copyTree(run, copy);
        byte[] before = Files.readAllBytes(copy.resolve("model.params"));
        CliRun again = CliRun.of("train", "--resume", copy.toString());
        assertThat(again.exitCode()).as(again.err()).isZero();
        assertThat(again.err()).contains("the run in " + copy + " is finished (2 epochs); kept as it is");
        assertThat(again.out()).contains("test accuracy").contains("kept: the last epoch's model (epoch 2)");
        assertThat(Files.readAllBytes(copy.resolve("model.params"))).isEqualTo(before);

        Path ens = dir.resolve("ens");
        String[] args = {"train", "--ensemble", "2", "--model", "mlp", "--epochs", "1", "--limit", "900", "--no-progress",
                "--out", ens.toString()};
        assertThat(CliRun.of(args).exitCode()).isZero();
        args[6] = "2";
        CliRun more = CliRun.of(args);
        assertThat(more.exitCode()).as(more.err()).isZero();
        assertThat(more.err()).contains("resuming after epoch 1 of 2");
        assertThat(History.read(ens.resolve("member-1"))).hasSize(2);
        assertThat(History.read(ens.resolve("member-2"))).hasSize(2);
        assertThat(CliRun.of(args).err()).contains("member 1 of 2 is finished").contains("member 2 of 2 is finished");
    }

    /** A run its early stop ended continues when a larger patience lets it; a folder without a checkpoint is kept. */
    @Test
    void anEarlyStoppedRunContinuesWithMorePatience() throws Exception {
        Path es = dir.resolve("es");
        CliRun first = CliRun.of("train", "--model", "mlp", "--epochs", "4", "--limit", "500", "--val-split", "0.5",
                "--patience", "1", "--lr", "0.03", "--seed", "4", "--lr-schedule", "none", "--batch-size", "32",
                "--no-progress", "--out", es.toString());
        assertThat(first.exitCode()).as(first.err()).isZero();
        int stopped = History.read(es).size();
        assertThat(stopped).as("this run must stop early for the test to mean anything").isLessThan(4);
        CliRun more = CliRun.of("train", "--resume", es.toString(), "--patience", "0");
        assertThat(more.exitCode()).as(more.err()).isZero();
        assertThat(more.err()).doesNotContain("kept as it is");
        assertThat(History.read(es)).hasSize(4);

        Path shipped = dir.resolve("shipped");
        copyTree(Path.of("models", "lenet5"), shipped);
        CliRun kept = CliRun.of("train", "--resume", shipped.toString());
        assertThat(kept.exitCode()).as(kept.err()).isZero();
        assertThat(kept.err()).contains("is finished").doesNotContain("no checkpoint");
    }

    @Test
    void aKaggleRunContinuesOnItsCsv() throws Exception {
        Path file = Files.writeString(dir.resolve("train.csv"), UserFiles.kaggleCsv(TestData.mnist().train(), 500, true));
        Path out = dir.resolve("kaggle");
        CliRun first = CliRun.of("train", "--data", file.toString(), "--model", "mlp", "--epochs", "1", "--no-progress",
                "--out", out.toString());
        assertThat(first.exitCode()).as(first.err()).isZero();
        CliRun more = CliRun.of("train", "--resume", out.toString(), "--epochs", "2");
        assertThat(more.exitCode()).as(more.err()).isZero();
        assertThat(more.err()).contains("training mlp on 500 images (0 for validation)").doesNotContain("60000");
    }

    private static void copyTree(Path from, Path to) throws Exception {
        try (var files = Files.walk(from)) {
            for (Path p : files.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t);
                }
            }
        }
    }
}
