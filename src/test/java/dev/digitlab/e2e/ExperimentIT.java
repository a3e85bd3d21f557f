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
class ExperimentIT {
    @TempDir
    Path work;

    @Test
    void resultsTableHoldsEachRunsTestAccuracy() throws Exception {
        Launcher digitlab = new Launcher(Launcher.projectRoot(), work);
        Launcher.Run exp = digitlab.run("experiment", "--grid", "model=lenet5,mlp", "--runs", "1",
                "--base", "--epochs 1 --limit 2000", "--out", "exp").ok();
        assertThat(exp.out()).contains("wrote exp/results.md and exp/results.csv (0 runs reused)");
        List<String> csv = Files.readAllLines(work.resolve("exp/results.csv"));
        assertThat(csv).hasSize(3);
        List<Double> table = new ArrayList<>();
        for (String row : csv.subList(1, 3)) {
            String[] f = row.split(",");
            assertThat(f[2]).isEqualTo("1");
            table.add(Double.parseDouble(f[3]));
        }
        List<Double> runs = new ArrayList<>();
        try (Stream<Path> s = Files.walk(work.resolve("exp"))) {
            for (Path sidecar : s.filter(p -> p.endsWith("model.json") && p.getParent().getFileName().toString().startsWith("run-")).toList()) {
                double acc = new ObjectMapper().readTree(sidecar.toFile()).get("metrics").get("testAccuracy").asDouble();
                runs.add(Math.round(acc * 1e6) / 1e6);
            }
        }
        assertThat(runs).containsExactlyInAnyOrderElementsOf(table);
        assertThat(table).allSatisfy(a -> assertThat(a).isGreaterThan(0.5));
    }
}
