package dev.digitlab.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.digitlab.Slow;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's experiment line, tiny: two variants, one run each, one short epoch. */
@Slow // ./digitlab as child processes
public class ExperimentIT {
    /** The variants and options of a tiny experiment, as experiment's arguments after --out DIR. */
    public static final List<String> TINY = List.of("--grid", "model=lenet5,mlp", "--runs", "1", "--base", "--epochs 1 --limit 2000");

    @TempDir
    Path work;

    @Test
    void resultsTableHoldsEachRunsTestAccuracy() throws Exception {
        Launcher digitlab = new Launcher(Launcher.projectRoot(), work);
        List<String> args = new ArrayList<>(List.of("experiment", "--out", "exp"));
        args.addAll(TINY);
        Launcher.Run exp = digitlab.run(args.toArray(String[]::new)).ok();
        assertThatTheTableHoldsItsRuns(exp, work.resolve("exp"));
    }

    /**
     * The ladder's first step, the untrained network, beside a named recipe: a variant's own --epochs wins over the
     * base's, and the recipe's run records its name.
     */
    @Test
    void theUntrainedBaselineAndARecipeAsVariants() throws Exception {
        Launcher digitlab = new Launcher(Launcher.projectRoot(), work);
        Files.writeString(work.resolve("steps.txt"), "untrained: --model lenet5-28 --epochs 0\nfastest: --recipe fastest\n");
        Launcher.Run exp = digitlab.run("experiment", "--config", "steps.txt", "--runs", "1", "--out", "exp",
                "--base", "--epochs 2 --limit 2000").ok();
        assertThat(exp.out()).containsPattern("\\| untrained \\| `--model lenet5-28 --epochs 0` \\| 1 \\| \\d+\\.\\d\\d ± 0\\.00 % \\| no epochs \\| 44,426 \\|");
        var untrained = new ObjectMapper().readTree(work.resolve("exp/untrained/run-1/model.json").toFile());
        assertThat(untrained.at("/metrics/epoch").asInt()).isZero();
        assertThat(untrained.at("/metrics/testAccuracy").asDouble()).as("ten classes, no training").isBetween(0.0, 0.3);
        var fastest = new ObjectMapper().readTree(work.resolve("exp/fastest/run-1/model.json").toFile());
        assertThat(fastest.at("/training/recipe").asText()).isEqualTo("fastest");
        assertThat(fastest.at("/training/model").asText()).isEqualTo("quick-cnn");
        assertThat(fastest.at("/training/batchSize").asInt()).isEqualTo(256);
        assertThat(fastest.at("/training/epochs").asInt()).as("the base's --epochs 2 over the recipe's 1").isEqualTo(2);
        assertThat(fastest.at("/metrics/testAccuracy").asDouble()).isGreaterThan(0.8);
        assertThat(Files.readString(work.resolve("exp/fastest/run-1/train.log"))).contains("recipe fastest, changed: epochs: 1 -> 2, limit: 0 -> 2000");

        // the same baseline from train itself, and evaluate agrees with it to the image
        Launcher.Run train = digitlab.run("train", "--model", "lenet5-28", "--epochs", "0", "--out", "runs/untrained").ok();
        assertThat(train.out()).contains("kept: the untrained network (no epochs: a baseline) in runs/untrained, test accuracy ");
        String right = digitlab.run("evaluate", "--model", "runs/untrained").ok().find("\\((\\d+) of 10000 right\\)");
        assertThat(Math.round(Double.parseDouble(train.find("test accuracy ([\\d.]+)%")) * 100)).isEqualTo(Long.parseLong(right));
        digitlab.run("report", "--model", "runs/untrained", "--tsne-points", "100").ok();
        assertThat(work.resolve("runs/untrained/report/index.html")).content()
                .contains("No epochs were trained").contains("(" + right + " of 10000)");
    }

    /** results.csv has one row per variant, each with the test accuracy its run's model.json holds. */
    public static void assertThatTheTableHoldsItsRuns(Launcher.Run exp, Path dir) throws Exception {
        assertThat(exp.out()).contains("results.csv (0 runs reused)");
        List<String> csv = Files.readAllLines(dir.resolve("results.csv"));
        assertThat(csv).hasSize(3);
        List<Double> table = new ArrayList<>();
        for (String row : csv.subList(1, 3)) {
            String[] f = row.split(",");
            assertThat(f[2]).isEqualTo("1");
            table.add(Double.parseDouble(f[3]));
        }
        List<Double> runs = new ArrayList<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path sidecar : s.filter(p -> p.endsWith("model.json") && p.getParent().getFileName().toString().startsWith("run-")).toList()) {
                double acc = new ObjectMapper().readTree(sidecar.toFile()).get("metrics").get("testAccuracy").asDouble();
                runs.add(Math.round(acc * 1e6) / 1e6);
            }
        }
        assertThat(runs).containsExactlyInAnyOrderElementsOf(table);
        assertThat(table).allSatisfy(a -> assertThat(a).isGreaterThan(0.5));
    }
}
