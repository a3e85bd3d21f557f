package dev.digitlab.report;

import dev.digitlab.AtomicFiles;
import dev.digitlab.train.Experiment;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** An experiment's results per variant (mean and sample standard deviation over runs), as Markdown and CSV. */
public final class ExperimentTable {

    /** One variant's figures over its runs. */
    public record Row(String variant, String options, int runs, double meanAccuracy, double stdAccuracy,
                      double meanEpochSeconds, long parameters) {}

    private ExperimentTable() {}

    public static List<Row> rows(List<Experiment.Run> runs, Map<String, String> optionsByVariant) {
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

    public static String markdown(List<Row> rows) {
        StringBuilder b = new StringBuilder("| variant | options | runs | test accuracy (mean ± std) | mean epoch | parameters |\n"
                + "|---|---|---|---|---|---|\n");
        for (Row r : rows) {
            String epoch = Double.isNaN(r.meanEpochSeconds()) ? "no epochs" // --epochs 0: the untrained baseline
                    : String.format(Locale.ROOT, "%.1f s", r.meanEpochSeconds());
            b.append(String.format(Locale.ROOT, "| %s | `%s` | %d | %.2f ± %.2f %% | %s | %,d |%n", r.variant(), r.options(),
                    r.runs(), 100 * r.meanAccuracy(), 100 * r.stdAccuracy(), epoch, r.parameters()));
        }
        return b.toString();
    }

    public static String csv(List<Row> rows) {
        StringBuilder b = new StringBuilder("variant,options,runs,mean_test_accuracy,std_test_accuracy,mean_epoch_seconds,parameters\n");
        for (Row r : rows) {
            String epoch = Double.isNaN(r.meanEpochSeconds()) ? "" : String.format(Locale.ROOT, "%.3f", r.meanEpochSeconds());
            b.append(String.format(Locale.ROOT, "%s,%s,%d,%.6f,%.6f,%s,%d%n", quote(r.variant()), quote(r.options()), r.runs(),
                    r.meanAccuracy(), r.stdAccuracy(), epoch, r.parameters()));
        }
        return b.toString();
    }

    private static String quote(String s) {
        return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }

    /** Writes results.md and results.csv into {@code dir}, each atomically. */
    public static void write(Path dir, List<Row> rows) throws IOException {
        AtomicFiles.write(dir.resolve("results.md"), out -> out.write(markdown(rows).getBytes(StandardCharsets.UTF_8)));
        AtomicFiles.write(dir.resolve("results.csv"), out -> out.write(csv(rows).getBytes(StandardCharsets.UTF_8)));
    }
}
