package dev.digitlab.spark;

import dev.digitlab.DigitlabException;
import dev.digitlab.api.Classifier;
import dev.digitlab.model.ModelFolder;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.LongAccumulator;

/**
 * {@code digitlab score} as a Spark job: the input becomes {@link InputRow}s, all of one {@link Kind}, the executors
 * score them in batches with the model each JVM loaded once, and the scored rows are written as Parquet (and CSV on
 * request): id, label, class name, the ten probabilities, the true label where the input had one. A row that cannot
 * be scored (an undecodable image, a wrong pixel count, a bad CSV field) is counted and written to the errors output
 * with the reason; the rest is scored. Paths are Hadoop's: a local path, or hdfs://, s3a://, ... on a cluster.
 */
public final class Scoring {
    static final int BATCH = 256;
    private static final String MIN_SPLITS = "spark.sql.files.minPartitionNum";

    static final StructType ERRORS = new StructType(new StructField[] {
            DataTypes.createStructField("id", DataTypes.StringType, false),
            DataTypes.createStructField("error", DataTypes.StringType, false)});

    /** What a job did. */
    public record Summary(long scored, long errors, double seconds, String predictions, String errorsPath) {}

    /** The job's settings; input and output are Hadoop paths (a local path, hdfs://..., s3a://...). */
    public record Job(Path model, String input, String output, String column, Integer partitions, boolean csv) {}

    private Scoring() {}

    /**
     * One pass scores every row and writes the predictions; only when rows failed (an accumulator counts them) does
     * a second pass find them again, which repeats the cheap checks and not the model. Persisting the scored rows to
     * write both outputs from them cost 11 % of the throughput (docs/SPARK.md).
     */
    public static Summary run(SparkSession spark, Job job) throws IOException {
        if (!ModelFolder.isModel(job.model()) && !ModelFolder.isEnsemble(job.model())) {
            throw new DigitlabException(job.model() + ": not a model or ensemble folder");
        }
        long t0 = System.nanoTime();
        if (!spark.conf().contains(MIN_SPLITS)) {
            // Spark splits files into partitions of up to 128 MB: 294 MB of Parquet on 2 cores made 128 + 128 + 38 MB, the
            // last task alone on one core. Four partitions per core keep every core busy to the end.
            spark.conf().set(MIN_SPLITS, 4L * spark.sparkContext().defaultParallelism());
        }
        Input in = Input.read(spark, job);
        Kind kind = in.kind();
        Dataset<Row> input = job.partitions() == null ? in.rows() : in.rows().repartition(job.partitions());
        ExecutorModels.Shipped shipped = ExecutorModels.ship(spark.sparkContext(), job.model().toAbsolutePath().normalize());
        LongAccumulator failed = spark.sparkContext().longAccumulator("rows that could not be scored");
        String predictions = new org.apache.hadoop.fs.Path(job.output(), "predictions.parquet").toString();
        String errors = new org.apache.hadoop.fs.Path(job.output(), "errors.parquet").toString();
        input.mapPartitions((MapPartitionsFunction<Row, Row>) rows -> score(shipped, kind, rows, failed),
                        Encoders.row(ScoredRow.SCHEMA))
                .write().mode(SaveMode.Overwrite).parquet(predictions);
        shipped.zip().destroy();
        Dataset<Row> bad = failed.value() == 0 ? spark.createDataFrame(List.of(), ERRORS)
                : input.mapPartitions((MapPartitionsFunction<Row, Row>) rows -> errors(kind, rows), Encoders.row(ERRORS));
        bad.write().mode(SaveMode.Overwrite).parquet(errors);
        if (job.csv()) {
            for (String out : List.of(predictions, errors)) {
                spark.read().parquet(out).coalesce(1).write().mode(SaveMode.Overwrite).option("header", "true")
                        .csv(out.replaceFirst("\\.parquet$", ".csv"));
            }
        }
        long nOk = spark.read().parquet(predictions).count(); // from the files' footers, exact also if a task was retried
        long nBad = spark.read().parquet(errors).count();
        return new Summary(nOk, nBad, (System.nanoTime() - t0) / 1e9, predictions, errors);
    }

    /** The rows of a partition that cannot be scored, with the reason, found by the checks {@link #score} makes. */
    static Iterator<Row> errors(Kind kind, Iterator<Row> rows) {
        List<Row> bad = new ArrayList<>();
        while (rows.hasNext()) {
            InputRow r = InputRow.of(rows.next());
            try {
                kind.prepare(r);
            } catch (DigitlabException | IllegalArgumentException e) {
                bad.add(RowFactory.create(r.id(), reason(e)));
            }
        }
        return bad.iterator();
    }

    private static String reason(RuntimeException e) {
        return e.getMessage() == null ? "unreadable" : e.getMessage();
    }

    /**
     * Scores one partition lazily, a batch of {@link #BATCH} at a time through the model this JVM loaded once, so a
     * partition of any size holds one batch in memory; rows that cannot be scored are left out and counted.
     */
    static Iterator<Row> score(ExecutorModels.Shipped model, Kind kind, Iterator<Row> rows, LongAccumulator failed) {
        Classifier classifier = ExecutorModels.get(model);
        return new Iterator<>() {
            final ArrayDeque<Row> ready = new ArrayDeque<>();

            @Override
            public boolean hasNext() {
                while (ready.isEmpty() && rows.hasNext()) {
                    nextBatch();
                }
                return !ready.isEmpty();
            }

            @Override
            public Row next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return ready.poll();
            }

            private void nextBatch() {
                List<String> ids = new ArrayList<>(BATCH);
                List<Kind.Prepared> batch = new ArrayList<>(BATCH);
                while (batch.size() < BATCH && rows.hasNext()) {
                    InputRow r = InputRow.of(rows.next());
                    try {
                        batch.add(kind.prepare(r));
                        ids.add(r.id());
                    } catch (DigitlabException | IllegalArgumentException e) {
                        failed.add(1); // the row is written to the errors by a second pass, errors()
                    }
                }
                List<Classifier.Prediction> ps = batch.isEmpty() ? List.of()
                        : classifier.classifyAll(batch.stream().map(Kind.Prepared::pixels).toList());
                for (int i = 0; i < ps.size(); i++) {
                    ready.add(ScoredRow.of(ids.get(i), ps.get(i), batch.get(i).trueLabel()).row());
                }
            }
        };
    }
}
