package dev.digitlab.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's experiment line, tiny: two variants, one run each, one short epoch. */
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
