package dev.digitlab.report;

import dev.digitlab.AtomicFiles;
import dev.digitlab.eval.ExperimentResults;
import dev.digitlab.eval.ExperimentResults.Row;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** An experiment's figures per variant ({@link ExperimentResults}), drawn as Markdown and CSV. */
public final class ExperimentTable {
    private ExperimentTable() {}

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
