package dev.digitlab.spark;

import dev.digitlab.DigitlabException;
import dev.digitlab.data.Digits;
import dev.digitlab.data.ImagePrep;
import dev.digitlab.data.KaggleCsv;
import dev.digitlab.api.Classifier;
import dev.digitlab.model.ModelFolder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
 * {@code digitlab score} as a Spark job: the input becomes rows of (id, bytes, kind, true label), the executors score
 * them in batches with the model each JVM loaded once, and the scored rows are written as Parquet (and CSV on
 * request): id, label, class name, the ten probabilities, the true label where the input had one. A row that cannot
 * be scored (an undecodable image, a wrong pixel count, a bad CSV field) is counted and written to the errors output
 * with the reason; the rest is scored. Paths are Hadoop's: a local path, or hdfs://, s3a://, ... on a cluster.
 */
public final class Scoring {
    /** What a row's bytes are: 784 MNIST-like pixels, a picture (PNG/JPEG), a Kaggle CSV line, or either by length. */
    static final int PIXELS = 0;
    static final int PICTURE = 1;
    static final int CSV_LINE = 2;
    static final int PIXELS_OR_PICTURE = 3;
    static final int CSV_LABELLED_LINE = 4;
    static final int BATCH = 256;
    private static final String MIN_SPLITS = "spark.sql.files.minPartitionNum";

    static final StructType INPUT = new StructType(new StructField[] {
            DataTypes.createStructField("id", DataTypes.StringType, false),
            DataTypes.createStructField("data", DataTypes.BinaryType, true),
            DataTypes.createStructField("kind", DataTypes.IntegerType, false),
            DataTypes.createStructField("trueLabel", DataTypes.IntegerType, true)});

    static final StructType SCORED;

    static final StructType ERRORS = new StructType(new StructField[] {
            DataTypes.createStructField("id", DataTypes.StringType, false),
            DataTypes.createStructField("error", DataTypes.StringType, false)});

    static {
        List<StructField> f = new ArrayList<>(List.of(DataTypes.createStructField("id", DataTypes.StringType, false),
                DataTypes.createStructField("label", DataTypes.IntegerType, false),
                DataTypes.createStructField("className", DataTypes.StringType, false)));
        for (int c = 0; c < Digits.CLASSES; c++) {
            f.add(DataTypes.createStructField("p" + c, DataTypes.DoubleType, false));
        }
        f.add(DataTypes.createStructField("trueLabel", DataTypes.IntegerType, true));
        SCORED = new StructType(f.toArray(StructField[]::new));
    }

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
        Dataset<Row> input = Input.read(spark, job);
        if (job.partitions() != null) {
            input = input.repartition(job.partitions());
        }
        ExecutorModels.Shipped shipped = ExecutorModels.ship(spark.sparkContext(), job.model().toAbsolutePath().normalize());
        LongAccumulator failed = spark.sparkContext().longAccumulator("rows that could not be scored");
        String predictions = new org.apache.hadoop.fs.Path(job.output(), "predictions.parquet").toString();
        String errors = new org.apache.hadoop.fs.Path(job.output(), "errors.parquet").toString();
        input.mapPartitions((MapPartitionsFunction<Row, Row>) rows -> score(shipped, rows, failed), Encoders.row(SCORED))
                .write().mode(SaveMode.Overwrite).parquet(predictions);
        shipped.zip().destroy();
        Dataset<Row> bad = failed.value() == 0 ? spark.createDataFrame(List.of(), ERRORS)
                : input.mapPartitions((MapPartitionsFunction<Row, Row>) Scoring::errors, Encoders.row(ERRORS));
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
    static Iterator<Row> errors(Iterator<Row> rows) {
        List<Row> bad = new ArrayList<>();
        while (rows.hasNext()) {
            Row r = rows.next();
            try {
                prepare(r.getString(0), (byte[]) r.get(1), r.getInt(2));
            } catch (DigitlabException | IllegalArgumentException e) {
                bad.add(RowFactory.create(r.getString(0), reason(e)));
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
    static Iterator<Row> score(ExecutorModels.Shipped model, Iterator<Row> rows, LongAccumulator failed) {
        Classifier classifier = ExecutorModels.get(model);
        List<String> names = classifier.classNames();
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
                List<byte[]> batch = new ArrayList<>(BATCH);
                List<Object[]> scored = new ArrayList<>(BATCH);
                while (batch.size() < BATCH && rows.hasNext()) {
                    Row r = rows.next();
                    String id = r.getString(0);
                    Integer label = r.isNullAt(3) ? null : r.getInt(3);
                    Object[] v = new Object[SCORED.size()];
                    v[0] = id;
                    try {
                        Prepared p = prepare(id, (byte[]) r.get(1), r.getInt(2));
                        batch.add(p.pixels());
                        v[3 + Digits.CLASSES] = p.label() != null ? p.label() : label;
                        scored.add(v);
                    } catch (DigitlabException | IllegalArgumentException e) {
                        failed.add(1); // the row is written to the errors by a second pass, errors()
                    }
                }
                List<Classifier.Prediction> ps = batch.isEmpty() ? List.of() : classifier.classifyAll(batch);
                for (int i = 0; i < ps.size(); i++) {
                    Object[] v = scored.get(i);
                    Classifier.Prediction p = ps.get(i);
                    v[1] = p.label();
                    v[2] = names.get(p.label());
                    for (int c = 0; c < Digits.CLASSES; c++) {
                        v[3 + c] = p.probabilities()[c];
                    }
                    ready.add(RowFactory.create(v));
                }
            }
        };
    }

    /** A row's 784 pixels as the model takes them, and the label the row itself carries (a labelled CSV line). */
    record Prepared(byte[] pixels, Integer label) {}

    /**
     * Pixels as they are (IDX, CSV, raw Parquet: MNIST-like already, as evaluate and kaggle take them); pictures made
     * MNIST-like exactly as predict does.
     */
    static Prepared prepare(String id, byte[] data, int kind) {
        if (data == null) {
            throw new DigitlabException("no image data");
        }
        return switch (kind) {
            case PIXELS -> new Prepared(pixels(data), null);
            case PICTURE -> new Prepared(ImagePrep.toMnist(ImagePrep.decode(data, id)), null);
            case PIXELS_OR_PICTURE -> {
                if (data.length == Digits.PIXELS) {
                    yield new Prepared(data, null);
                }
                if (!looksLikePicture(data)) {
                    throw new DigitlabException(data.length + " bytes: neither " + Digits.PIXELS + " pixels nor a PNG or JPEG image");
                }
                yield new Prepared(ImagePrep.toMnist(ImagePrep.decode(data, id)), null);
            }
            case CSV_LINE, CSV_LABELLED_LINE -> {
                int colon = id.lastIndexOf(':');
                KaggleCsv.Row row = KaggleCsv.row(id.substring(0, colon), Long.parseLong(id.substring(colon + 1)),
                        new String(data, StandardCharsets.UTF_8), kind == CSV_LABELLED_LINE);
                yield new Prepared(row.pixels(), row.label() < 0 ? null : row.label());
            }
            default -> throw new IllegalArgumentException("kind " + kind);
        };
    }

    /** PNG's or JPEG's first bytes. */
    private static boolean looksLikePicture(byte[] d) {
        return d.length > 3 && (d[0] == (byte) 0x89 && d[1] == 'P' && d[2] == 'N' && d[3] == 'G'
                || d[0] == (byte) 0xFF && d[1] == (byte) 0xD8);
    }

    private static byte[] pixels(byte[] data) {
        if (data.length != Digits.PIXELS) {
            throw new DigitlabException(data.length + " pixels, not " + Digits.PIXELS);
        }
        return data;
    }
}
