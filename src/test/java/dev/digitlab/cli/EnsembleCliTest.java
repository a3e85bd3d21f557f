package dev.digitlab.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.digitlab.TestData;
import dev.digitlab.data.Digits;
import dev.digitlab.api.Classifier;
import dev.digitlab.model.ModelFolder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** train --ensemble, and ensembles and test-time augmentation wherever a model folder is taken. */
class EnsembleCliTest {
    @TempDir
    static Path dir;
    static Path ens;
    static CliRun first;

    static String[] trainArgs(Path out) {
        return new String[] {"train", "--ensemble", "2", "--model", "mlp", "--epochs", "1", "--limit", "900",
                "--val-split", "0", "--batch-size", "32", "--lr-schedule", "none", "--lr", "1e-3", "--no-progress",
                "--out", out.toString()};
    }

    @BeforeAll
    static void trainTwoMembers() {
        ens = dir.resolve("ens");
        first = CliRun.of(trainArgs(ens));
    }

    @Test
    void membersAreTrainedWithSuccessiveSeedsAndAveraged() throws Exception {
        assertThat(first.exitCode()).as(first.err()).isZero();
        assertThat(first.out()).containsPattern("ensemble of 2: test loss [0-9.]+  test accuracy [0-9.]+%  \\(10000 images\\)");
        assertThat(Files.readString(ens.resolve("ensemble.json"))).contains("\"member-1\"", "\"member-2\"", "testAccuracy");
        assertThat(ModelFolder.readSidecar(ens.resolve("member-2")).training().get("seed").asLong()).isEqualTo(2);

        List<byte[]> images = new ArrayList<>();
        Digits test = TestData.mnist().test();
        for (int i = 0; i < 5; i++) {
            images.add(Arrays.copyOfRange(test.pixels(), i * 784, (i + 1) * 784));
        }
        try (Classifier both = Classifier.load(ens); Classifier a = Classifier.load(ens.resolve("member-1"));
             Classifier b = Classifier.load(ens.resolve("member-2"))) {
            double[][] p = both.probabilities(images);
            double[][] pa = a.probabilities(images);
            double[][] pb = b.probabilities(images);
            for (int i = 0; i < 5; i++) {
                for (int c = 0; c < 10; c++) {
                    assertThat(p[i][c]).isCloseTo((pa[i][c] + pb[i][c]) / 2, within(1e-6));
                }
            }
        }
    }

    @Test
    void runningTheSameCommandAgainKeepsFinishedMembers() {
        CliRun again = CliRun.of(trainArgs(ens));
        assertThat(again.exitCode()).as(again.err()).isZero();
        assertThat(again.err()).contains("member 1 of 2 is finished in " + ens.resolve("member-1") + "; kept")
                .contains("member 2 of 2 is finished");
        assertThat(again.out()).contains(first.out().lines().filter(l -> l.startsWith("ensemble of 2")).findFirst().orElseThrow());
        for (String member : List.of("member 1: ", "member 2: ")) { // kept members report the figures they were saved with
            assertThat(again.out()).contains(first.out().lines().filter(l -> l.startsWith(member)).findFirst().orElseThrow());
        }
    }

    @Test
    void evaluateAndPredictTakeEnsemblesAndTestTimeAugmentation() throws Exception {
        CliRun plain = CliRun.of("evaluate", "--model", ens.toString(), "--json");
        CliRun tta = CliRun.of("evaluate", "--model", ens.toString(), "--tta", "--json");
        assertThat(plain.exitCode()).as(plain.err()).isZero();
        assertThat(tta.exitCode()).as(tta.err()).isZero();
        double a = new ObjectMapper().readTree(plain.out()).get("accuracy").asDouble();
        double t = new ObjectMapper().readTree(tta.out()).get("accuracy").asDouble();
        assertThat(a).isGreaterThan(0.8);
        assertThat(t).isGreaterThan(0.8).isNotEqualTo(a); // other views, other answers on some images
    }

    @Test
    void anotherConfigurationInTheSameFolderIsRefused() {
        String[] args = trainArgs(ens);
        args[12] = "64"; // --batch-size 64: another run, where more epochs would continue this one
        CliRun r = CliRun.of(args);
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("digitlab: error: --batch-size cannot change when the ensemble in " + ens
                + " continues (it was started with 32); start a new run to change it");
        assertThat(r.errorLines()).isEqualTo(1);
    }

    @Test
    void anEnsembleFileThatPointsOutsideIsRefused() throws Exception {
        Path bad = dir.resolve("bad");
        Files.createDirectories(bad);
        Files.writeString(bad.resolve("ensemble.json"), "{\"format\":1,\"members\":[\"../ens/member-1\"],\"metrics\":{}}");
        CliRun r = CliRun.of("evaluate", "--model", bad.toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err().strip()).isEqualTo("digitlab: error: " + bad.resolve("ensemble.json")
                + ": member '../ens/member-1' is not a folder inside the ensemble");
    }
}
