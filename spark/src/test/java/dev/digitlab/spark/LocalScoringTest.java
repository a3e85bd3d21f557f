package dev.digitlab.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.TestData;
import dev.digitlab.api.Classifier;
import dev.digitlab.cli.Main;
import dev.digitlab.data.Digits;
import dev.digitlab.data.ImagePrep;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code digitlab score} as a user runs it first: no master (Spark inside the process), on the two inputs the cluster
 * test does not cover, a folder of pictures (scored as {@code predict} scores a picture) and Parquet with a binary
 * column; a corrupt picture and a short pixel row become error rows with their reason, the rest is scored.
 */
class LocalScoringTest {
    @TempDir
    static Path tmp;
    static final Path MODEL = Path.of("../models/lenet5").toAbsolutePath().normalize();
    static Digits test;

    @BeforeAll
    static void data() {
        test = TestData.mnist().test();
    }

    /** Image i as a user's scan would be: dark ink on white paper, 56x56, in a subfolder for every tenth. */
    static Path picture(Path folder, int i, String format) throws Exception {
        BufferedImage img = new BufferedImage(56, 56, BufferedImage.TYPE_INT_RGB);
        byte[] px = test.image(i);
        for (int y = 0; y < 56; y++) {
            for (int x = 0; x < 56; x++) {
                int grey = 255 - (px[(y / 2) * Digits.SIDE + x / 2] & 0xff);
                img.setRGB(x, y, grey << 16 | grey << 8 | grey);
            }
        }
        Path file = folder.resolve(i % 10 == 0 ? "more" : ".").resolve("digit-" + i + "." + format).normalize();
        Files.createDirectories(file.getParent());
        ImageIO.write(img, format, file.toFile());
        return file;
    }

    static int score(String... args) {
        return scoreWith(MODEL, args);
    }

    static int scoreWith(Path model, String... args) {
        PrintStream out = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            List<String> all = new ArrayList<>(List.of("score", "--model", model.toString()));
            all.addAll(List.of(args));
            return Main.run(all.toArray(String[]::new));
        } finally {
            System.setOut(out);
        }
    }

    /** {@code folder} with everything in it, again at {@code to}. */
    static Path copy(Path folder, Path to) throws IOException {
        try (Stream<Path> all = Files.walk(folder)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Files.copy(p, to.resolve(folder.relativize(p).toString()));
            }
        }
        return to;
    }

    static Map<String, Row> rows(Path parquet) throws Exception {
        try (SparkSession spark = Sessions.start("read back", null, Map.of())) {
            Map<String, Row> m = new HashMap<>();
            spark.read().parquet(parquet.toString()).collectAsList().forEach(r -> m.put(r.getAs("id").toString(), r));
            return m;
        }
    }

    @Test
    void aFolderOfPicturesIsScoredAsPredictScoresThemAndACorruptOneIsAnErrorRow() throws Exception {
        Path pictures = tmp.resolve("scans");
        Map<String, Integer> expected = new HashMap<>();
        try (Classifier c = Classifier.load(MODEL)) {
            for (int i = 0; i < 60; i++) {
                Path file = picture(pictures, i, i % 3 == 0 ? "jpg" : "png");
                expected.put("file:" + file.toAbsolutePath(), // the path as Spark names it
                         c.classify(ImagePrep.read(file)).label());
            }
        }
        Files.write(pictures.resolve("torn.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, 0, 0});
        Files.writeString(pictures.resolve("notes.txt"), "not a picture, not read");
        Path out = tmp.resolve("scored-scans");

        assertThat(score("--input", pictures.toString(), "--output", out.toString(), "--csv")).isZero();

        Map<String, Row> scored = rows(out.resolve("predictions.parquet"));
        assertThat(scored).hasSize(60);
        for (Map.Entry<String, Integer> e : expected.entrySet()) {
            String id = e.getKey();
            int label = e.getValue();
            Row r = scored.get(id);
            assertThat(r).as(id).isNotNull();
            assertThat((int) r.getAs("label")).as(id).isEqualTo(label);
            double sum = 0;
            for (int c = 0; c < Digits.CLASSES; c++) {
                sum += (double) r.getAs("p" + c);
            }
            assertThat(sum).isCloseTo(1.0, Offset.offset(1e-5));
            assertThat((String) r.getAs("className")).isEqualTo(String.valueOf(label));
        }
        Map<String, Row> errors = rows(out.resolve("errors.parquet"));
        assertThat(errors).hasSize(1);
        Row torn = errors.values().iterator().next();
        assertThat(torn.getString(0)).endsWith("torn.png");
        assertThat(torn.getString(1)).contains("torn.png").contains("cannot decode");
        assertThat(out.resolve("predictions.csv")).isDirectory();
    }

    @Test
    void parquetWithABinaryColumnIsScoredAndAShortRowIsAnErrorRow() throws Exception {
        StructType schema = new StructType(new StructField[] {DataTypes.createStructField("id", DataTypes.LongType, false),
                DataTypes.createStructField("pixels", DataTypes.BinaryType, true),
                DataTypes.createStructField("label", DataTypes.IntegerType, true)});
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            rows.add(RowFactory.create((long) i, test.image(i), test.label(i)));
        }
        rows.add(RowFactory.create(500L, new byte[10], 3));
        Path parquet = tmp.resolve("digits.parquet");
        try (SparkSession spark = Sessions.start("write", null, Map.of())) {
            spark.createDataFrame(rows, schema).write().parquet(parquet.toString());
        }
        Path out = tmp.resolve("scored-parquet");
        // the model under a name of this run's own, so that the folders an executor unpacks it into
        // (java.io.tmpdir/digitlab-NAME-HASH...) are this job's alone, whatever else ran in this JVM or on this machine
        Path model = copy(MODEL, tmp.resolve("lenet5-" + tmp.getFileName()));

        assertThat(scoreWith(model, "--input", parquet.toString(), "--output", out.toString(), "--column", "pixels",
                "--partitions", "3")).isZero();
        // three partitions on two task threads; the model unpacked, so loaded, once in this JVM
        try (Stream<Path> unpacked = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            assertThat(unpacked.filter(p -> p.getFileName().toString().startsWith("digitlab-" + model.getFileName() + "-")))
                    .hasSize(1);
        }

        Map<String, Row> scored = rows(out.resolve("predictions.parquet"));
        assertThat(scored).hasSize(500);
        try (Classifier c = Classifier.load(MODEL)) {
            List<byte[]> images = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                images.add(test.image(i));
            }
            List<Classifier.Prediction> local = c.classifyAll(images);
            for (int i = 0; i < 500; i++) {
                Row r = scored.get(String.valueOf(i));
                assertThat((int) r.getAs("label")).as("row %d", i).isEqualTo(local.get(i).label());
                assertThat((int) r.getAs("trueLabel")).isEqualTo(test.label(i));
            }
        }
        Map<String, Row> errors = rows(out.resolve("errors.parquet"));
        assertThat(errors).containsOnlyKeys("500");
        assertThat(errors.get("500").getString(1)).isEqualTo("10 bytes: neither 784 pixels nor a PNG or JPEG image");
    }

    @Test
    void withoutMasterTheSessionTakesTheOneSparkSubmitSet() throws Exception {
        System.setProperty("spark.master", "local[1]"); // what spark-submit --master passes to the driver
        try (SparkSession spark = Sessions.start("as under spark-submit", null, Map.of())) {
            assertThat(spark.sparkContext().master()).isEqualTo("local[1]");
        } finally {
            System.clearProperty("spark.master");
        }
    }

    @Test
    void aMissingColumnOrInputIsOneClearLine() throws Exception {
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = score("--input", tmp.resolve("nowhere.csv").toString(), "--output", tmp.resolve("x").toString());
        } finally {
            System.setErr(err);
        }
        assertThat(code).isEqualTo(1);
        assertThat(captured.toString(StandardCharsets.UTF_8).trim()).isEqualTo("digitlab: error: " + tmp.resolve("nowhere.csv")
                + ": no such file or folder");
    }
}
