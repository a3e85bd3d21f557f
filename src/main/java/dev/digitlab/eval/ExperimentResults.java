package dev.digitlab.eval;

import dev.digitlab.train.Experiment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** An experiment's figures per variant: mean and sample standard deviation of test accuracy over its runs. */
public final class ExperimentResults {

    /** One variant's figures over its runs. */
    public record Row(String variant, String options, int runs, double meanAccuracy, double stdAccuracy,
                      double meanEpochSeconds, long parameters) {}

    private ExperimentResults() {}

    /** One row per variant, in the order the runs first name them; {@code optionsByVariant} as the user wrote them. */
    public static List<Row> of(List<Experiment.Run> runs, Map<String, String> optionsByVariant) {
        Map<String, List<Experiment.Run>> byVariant = new LinkedHashMap<>();
        for (Experiment.Run r : runs) {
            byVariant.computeIfAbsent(r.variant().name(), k -> new ArrayList<>()).add(r);
        }
        List<Row> rows = new ArrayList<>();
        byVariant.forEach((name, rs) -> {
            double[] acc = rs.stream().mapToDouble(Experiment.Run::testAccuracy).toArray();
            double mean = Arrays.stream(acc).average().orElse(Double.NaN);
            double var = acc.length < 2 ? 0 : Arrays.stream(acc).map(a -> (a - mean) * (a - mean)).sum() / (acc.length - 1);
            rows.add(new Row(name, optionsByVariant.getOrDefault(name, ""), rs.size(), mean, Math.sqrt(var),
                    rs.stream().mapToDouble(Experiment.Run::epochSeconds).average().orElse(Double.NaN),
                    Experiment.parameters(rs.get(0).variant())));
        });
        return rows;
    }
}
