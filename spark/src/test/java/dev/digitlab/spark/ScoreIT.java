package dev.digitlab.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.TestData;
import dev.digitlab.data.Digits;
import dev.digitlab.e2e.ExperimentIT;
import dev.digitlab.e2e.Launcher;
import dev.digitlab.e2e.UserFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/SPARK.md's command lines through ./digitlab, Spark embedded: score on IDX, a Kaggle CSV, a folder of pictures and
 * Parquet, each checked against evaluate, predict or the IDX scoring of the same images; and a sweep on local[2].
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ScoreIT {
    static final int N = 300;

    @TempDir
    static Path work;

    Launcher digitlab;
    Digits test;
    /** The label score gave each of the first N test images, from the IDX file. */
    final Map<Integer, Integer> idxLabels = new HashMap<>();

    @BeforeAll
    void scoreTheIdxFileOnce() throws IOException {
        test = TestData.mnist().test();
        digitlab = new Launcher(Launcher.projectRoot(), work);
        UserFiles.idx(test, N, work.resolve("idx"));
        Launcher.Run score = digitlab.run("score", "--model", digitlab.shipped("best"), "--input", "idx/t10k-images-idx3-ubyte",
                "--output", "scored-idx", "--csv").ok();
        assertThat(score.out()).contains("(" + N + " rows) and ").contains("(0 rows that could not be scored)");
        for (String[] row : predictions("scored-idx")) {
            idxLabels.put(Integer.parseInt(row[0]), Integer.parseInt(row[1]));
            assertThat(row[13]).as("trueLabel, from the labels file beside the images").isEqualTo(String.valueOf(test.label(Integer.parseInt(row[0]))));
        }
        assertThat(idxLabels).hasSize(N);
    }

    /** Rows of OUT/predictions.csv/ (id, label, className, p0..p9, trueLabel), without the header. */
    List<String[]> predictions(String out) throws IOException {
        List<String[]> rows = new ArrayList<>();
        try (Stream<Path> files = Files.list(work.resolve(out).resolve("predictions.csv"))) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".csv")).toList()) {
                List<String> lines = Files.readAllLines(f);
                assertThat(lines.get(0)).isEqualTo("id,label,className,p0,p1,p2,p3,p4,p5,p6,p7,p8,p9,trueLabel");
                lines.subList(1, lines.size()).forEach(l -> rows.add(l.split(",", -1)));
            }
        }
        return rows;
    }

    @Test
    void idxScoresAreRightAsOftenAsEvaluateSays() throws IOException {
        UserFiles.kaggleCsv(test, N, true, work.resolve("labelled.csv"));
        String right = digitlab.run("evaluate", "--model", digitlab.shipped("best"), "--data", "labelled.csv").ok()
                .find("\\((\\d+) of " + N + " right\\)");
        long scoredRight = idxLabels.entrySet().stream().filter(e -> e.getValue() == test.label(e.getKey())).count();
        assertThat(scoredRight).isEqualTo(Long.parseLong(right));
    }

    @Test
    void aKaggleCsvScoresAsItsIdxImages() throws IOException {
        UserFiles.kaggleCsv(test, N, false, work.resolve("test.csv"));
        Launcher.Run score = digitlab.run("score", "--model", digitlab.shipped("best"), "--input", "test.csv",
                "--output", "scored-csv", "--csv").ok();
        assertThat(score.out()).contains("(" + N + " rows) and ");
        List<String[]> rows = predictions("scored-csv");
        assertThat(rows).hasSize(N);
        for (String[] row : rows) {
            int line = Integer.parseInt(row[0].substring(row[0].lastIndexOf(':') + 1)); // file:line, the header is line 1
            assertThat(Integer.parseInt(row[1])).as(row[0]).isEqualTo(idxLabels.get(line - 2));
        }
    }

    @Test
    void aFolderOfPicturesScoresAsPredictReadsThem() throws IOException {
        List<String> predict = new ArrayList<>(List.of("predict", "--model", digitlab.shipped("best")));
        for (int i = 0; i < 12; i++) {
            String name = "scans/" + (i % 3 == 0 ? "deeper/" : "") + "digit-" + i + ".png";
            UserFiles.png(test, i, work.resolve(name));
            predict.add(name);
        }
        Map<String, String> predicted = new HashMap<>();
        for (String line : digitlab.run(predict.toArray(String[]::new)).ok().out().lines().toList()) {
            String file = line.substring(0, line.indexOf(':'));
            predicted.put(work.resolve(file).toUri().getPath(), line.substring(file.length() + 3, file.length() + 4));
        }
        Launcher.Run score = digitlab.run("score", "--model", digitlab.shipped("best"), "--input", "scans/",
                "--output", "scored-scans", "--csv").ok();
        assertThat(score.out()).contains("(12 rows) and ");
        List<String[]> rows = predictions("scored-scans");
        assertThat(rows).hasSize(12);
        for (String[] row : rows) {
            String path = row[0].replaceFirst("^file:", "");
            assertThat(row[1]).as(row[0]).isEqualTo(predicted.get(path));
        }
    }

    @Test
    void parquetWithAnImageColumnScoresAsItsIdxImages() throws IOException {
        StructType schema = new StructType(new StructField[] {DataTypes.createStructField("id", DataTypes.LongType, false),
                DataTypes.createStructField("image", DataTypes.BinaryType, false),
                DataTypes.createStructField("label", DataTypes.IntegerType, false)});
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            rows.add(RowFactory.create((long) i, test.image(i), test.label(i)));
        }
        try (SparkSession spark = Sessions.start("images.parquet", "local[1]", Map.of())) {
            spark.createDataFrame(rows, schema).write().parquet(work.resolve("images.parquet").toString());
        }
        Launcher.Run score = digitlab.run("score", "--model", digitlab.shipped("best"), "--input", "images.parquet",
                "--column", "image", "--output", "scored-parquet", "--csv").ok();
        assertThat(score.out()).contains("(" + N + " rows) and ");
        List<String[]> scored = predictions("scored-parquet");
        assertThat(scored).hasSize(N);
        for (String[] row : scored) {
            int id = Integer.parseInt(row[0]);
            assertThat(Integer.parseInt(row[1])).as("id %d", id).isEqualTo(idxLabels.get(id));
            assertThat(row[13]).isEqualTo(String.valueOf(test.label(id)));
        }
    }

    @Test
    void anExperimentOnLocalSparkTabulatesItsRuns() throws Exception {
        List<String> args = new ArrayList<>(List.of("experiment", "--master", "local[2]", "--out", "sweep"));
        args.addAll(ExperimentIT.TINY);
        Launcher.Run sweep = digitlab.run(args.toArray(String[]::new)).ok();
        ExperimentIT.assertThatTheTableHoldsItsRuns(sweep, work.resolve("sweep"));
    }
}
