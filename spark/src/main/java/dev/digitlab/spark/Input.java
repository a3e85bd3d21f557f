package dev.digitlab.spark;

import dev.digitlab.DigitlabException;
import dev.digitlab.data.Digits;
import dev.digitlab.data.Idx;
import dev.digitlab.data.KaggleCsv;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;

/**
 * What {@code digitlab score} reads, as {@link InputRow}s and what their bytes are: IDX images (with their
 * labels), a Kaggle CSV, a folder of pictures, or Parquet with a binary column, by what the path is. Paths are Hadoop's.
 */
record Input(Dataset<Row> rows, Kind kind) {
    /** The input at the job's path. */
    static Input read(SparkSession spark, Scoring.Job job) throws IOException {
        org.apache.hadoop.fs.Path in = new org.apache.hadoop.fs.Path(job.input());
        FileSystem fs = in.getFileSystem(spark.sparkContext().hadoopConfiguration());
        String name = in.getName().toLowerCase(Locale.ROOT);
        if (!fs.exists(in)) {
            throw new DigitlabException(job.input() + ": no such file or folder");
        }
        boolean folder = fs.getFileStatus(in).isDirectory();
        if (name.contains("idx3-ubyte")) {
            return new Input(idx(spark, fs, in), Kind.PIXELS);
        }
        if (name.endsWith(".csv")) {
            return csv(spark, fs, in);
        }
        if (name.endsWith(".parquet") || folder && Arrays.stream(fs.listStatus(in)).anyMatch(f -> f.getPath().getName().endsWith(".parquet"))) {
            return new Input(parquet(spark, in.toString(), job.column()), Kind.PIXELS_OR_PICTURE);
        }
        if (folder) {
            return new Input(spark.read().format("binaryFile").option("recursiveFileLookup", "true")
                    .option("pathGlobFilter", "*.{png,PNG,jpg,JPG,jpeg,JPEG}").load(in.toString())
                    .select(InputRow.columns(functions.col("path"), functions.col("content"),
                            functions.lit(null).cast(DataTypes.IntegerType))), Kind.PICTURE);
        }
        throw new DigitlabException(job.input() + ": expected IDX images (…-idx3-ubyte), a Kaggle .csv, a folder of PNG/JPEG "
                + "files, or Parquet with a binary image column");
    }

    /**
     * IDX images, read and checked on the driver (the format is all or nothing; a copy comes from a remote file
     * system first), with the labels beside them if there are any.
     */
    private static Dataset<Row> idx(SparkSession spark, FileSystem fs, org.apache.hadoop.fs.Path file) throws IOException {
        Path local = local(fs, file);
        Idx.Images images = Idx.readImages(local);
        if (images.rows() != Digits.SIDE || images.cols() != Digits.SIDE) {
            throw new DigitlabException(file + ": images of " + images.rows() + "x" + images.cols() + ", not 28x28");
        }
        org.apache.hadoop.fs.Path labelsFile = new org.apache.hadoop.fs.Path(file.getParent(),
                file.getName().replace("images-idx3", "labels-idx1"));
        byte[] labels = !labelsFile.equals(file) && fs.isFile(labelsFile) ? Idx.readLabels(local(fs, labelsFile)) : null;
        if (labels != null && labels.length != images.count()) {
            throw new DigitlabException(labelsFile + ": " + labels.length + " labels for " + images.count() + " images");
        }
        List<Row> rows = new ArrayList<>(images.count());
        for (int i = 0; i < images.count(); i++) {
            byte[] pixels = Arrays.copyOfRange(images.pixels(), i * Digits.PIXELS, (i + 1) * Digits.PIXELS);
            rows.add(new InputRow(String.valueOf(i), pixels, labels == null ? null : (int) labels[i]).row());
        }
        return spark.createDataFrame(rows, InputRow.SCHEMA);
    }

    /** A file on this machine: the file itself when the file system is local, else a temporary copy. */
    private static Path local(FileSystem fs, org.apache.hadoop.fs.Path file) throws IOException {
        if (fs instanceof LocalFileSystem) {
            return Path.of(fs.makeQualified(file).toUri());
        }
        Path copy = Files.createTempFile("digitlab-", "-" + file.getName());
        copy.toFile().deleteOnExit();
        fs.copyToLocalFile(file, new org.apache.hadoop.fs.Path(copy.toUri()));
        return copy;
    }

    /** A Kaggle CSV, read as lines by Spark; the header is checked here, every data line on the executors. */
    private static Input csv(SparkSession spark, FileSystem fs, org.apache.hadoop.fs.Path file) throws IOException {
        String header;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(fs.open(file), StandardCharsets.UTF_8))) {
            header = r.readLine();
        }
        if (header == null) {
            throw new DigitlabException(file + ": empty file (expected a header line)");
        }
        String where = file.toString();
        boolean labelled = KaggleCsv.labelled(where, header);
        var lines = spark.read().textFile(where).javaRDD().zipWithIndex()
                .filter(t -> t._2() > 0 && !t._1().isBlank())
                .map(t -> InputRow.csvLine(where, t._2() + 1, t._1().getBytes(StandardCharsets.UTF_8)).row());
        return new Input(spark.createDataFrame(lines, InputRow.SCHEMA), labelled ? Kind.CSV_LABELLED_LINE : Kind.CSV_LINE);
    }

    /** Parquet with a binary column of pixels (784 bytes) or pictures; an "id" column is kept when there is one. */
    private static Dataset<Row> parquet(SparkSession spark, String path, String column) {
        Dataset<Row> df = spark.read().parquet(path);
        if (!Arrays.asList(df.columns()).contains(column)) {
            throw new DigitlabException(path + ": no column '" + column + "' (it has " + String.join(", ", df.columns()) + ")");
        }
        var id = Arrays.asList(df.columns()).contains("id") ? functions.col("id").cast(DataTypes.StringType)
                : functions.monotonically_increasing_id().cast(DataTypes.StringType);
        var label = Arrays.asList(df.columns()).contains("label") ? functions.col("label").cast(DataTypes.IntegerType)
                : functions.lit(null).cast(DataTypes.IntegerType);
        return df.select(InputRow.columns(id, functions.col(column).cast(DataTypes.BinaryType), label));
    }
}
