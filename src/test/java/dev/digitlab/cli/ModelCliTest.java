package dev.digitlab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import dev.digitlab.TestData;
import dev.digitlab.data.Digits;
import dev.digitlab.e2e.UserFiles;
import dev.digitlab.model.Models;
import dev.digitlab.model.Net;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** summary, train, evaluate and predict through the command line, with their bad-input cases. */
class ModelCliTest {
    @TempDir
    static Path shared;

    static Path model;

    @TempDir
    Path dir;

    @BeforeAll
    static void trainSmallModel() {
        model = shared.resolve("lenet5");
        CliRun r = CliRun.of("train", "--model", "lenet5", "--epochs", "1", "--limit", "6000", "--val-split", "0.2",
                "--batch-size", "32", "--lr", "1e-3", "--lr-schedule", "none", // the small run's regime: 150 steps
                "--out", model.toString(), "--no-progress", "--report", "--tsne-points", "200");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.err()).containsPattern("epoch 1/1  train loss \\d\\.\\d{4}  val loss \\d\\.\\d{4}  train acc \\d+\\.\\d\\d%  val acc \\d+\\.\\d\\d%  \\d+\\.\\d s  rss \\d+ MB");
        assertThat(r.out()).contains("test accuracy").contains("wrote " + model.resolve("report").resolve("index.html"))
                .containsPattern("kept: the last epoch's model \\(epoch 1\\) in " + Pattern.quote(model.toString())
                        + ", test accuracy \\d+\\.\\d\\d%; best/ is the same epoch \\(lowest validation loss\\)")
                .contains("next:", "./digitlab serve --model " + model);
        assertThat(model.resolve("report/tsne-trained.png")).isRegularFile();
        assertThat(model.resolve("report/loss.svg")).isRegularFile();
    }

    static Path copyModel(Path to) throws IOException {
        Files.createDirectories(to);
        Files.copy(model.resolve("model.json"), to.resolve("model.json"));
        Files.copy(model.resolve("model.params"), to.resolve("model.params"));
        return to;
    }

    @Test
    void summaryPrintsTheTable() {
        CliRun r = CliRun.of("summary", "lenet5");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("Total params: 61,706");
        assertThat(CliRun.of("summary", "vgg").err().strip()).startsWith("digitlab: error: unknown model 'vgg'");
    }

    @Test
    void evaluatePrintsFiguresAndJson() {
        CliRun r = CliRun.of("evaluate", "--model", model.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        Matcher m = Pattern.compile("test accuracy (\\d+\\.\\d\\d)%").matcher(r.out());
        assertThat(m.find()).isTrue();
        assertThat(Double.parseDouble(m.group(1))).isGreaterThan(85);
        assertThat(r.out()).contains("precision").contains("confusion matrix").contains("wrong predictions");
        CliRun j = CliRun.of("evaluate", "--model", model.toString(), "--json");
        assertThat(j.out()).contains("\"accuracy\"").contains("\"confusion\"").contains("\"wrong\"");
    }

    @Test
    void predictTurnsAnyPictureIntoTheDigitItShows() throws IOException {
        // A test digit drawn large, dark blue on a light background, off-centre: predict must see what the model sees.
        Digits test = TestData.mnist().test();
        int index = 0; // a 7
        BufferedImage img = new BufferedImage(300, 200, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 200; y++) {
            for (int x = 0; x < 300; x++) {
                int sx = (x - 40) / 6;
                int sy = (y - 20) / 6;
                int v = sx >= 0 && sy >= 0 && sx < 28 && sy < 28 ? test.pixel(index, sy, sx) : 0;
                img.setRGB(x, y, new Color(240 - v * 200 / 255, 240 - v * 200 / 255, 250 - v * 100 / 255).getRGB());
            }
        }
        Path png = dir.resolve("seven.png");
        ImageIO.write(img, "png", png.toFile());
        Path jpg = dir.resolve("seven.jpg");
        ImageIO.write(img, "jpg", jpg.toFile());
        CliRun r = CliRun.of("predict", "--model", model.toString(), png.toString(), jpg.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out().lines()).hasSize(2).allSatisfy(l -> assertThat(l).matches(".*:  7 \\d+\\.\\d%  \\d \\d+\\.\\d%  \\d \\d+\\.\\d%"));
        // without --model: the shipped models/best, with and without test-time views
        for (String[] args : new String[][] {{"predict", png.toString()}, {"predict", "--tta", png.toString()}}) {
            CliRun shipped = CliRun.of(args);
            assertThat(shipped.exitCode()).as(shipped.err()).isZero();
            assertThat(shipped.out()).matches("(?s).*seven.png:  7 \\d+\\.\\d%.*");
        }
    }

    @Test
    void badInputIsOneLineAndExitOne() throws IOException {
        Path notImage = Files.writeString(dir.resolve("note.png"), "hello");
        expectError(CliRun.of("predict", "--model", model.toString(), notImage.toString()), notImage + ": not a PNG or JPEG image");
        expectError(CliRun.of("evaluate", "--model", dir.resolve("none").toString()), dir.resolve("none") + ": no such model folder");
        Path noWeights = copyModel(dir.resolve("no-weights"));
        Files.delete(noWeights.resolve("model.params"));
        expectError(CliRun.of("evaluate", "--model", noWeights.toString()), noWeights.resolve("model.params") + ": no such file");
        Path corrupt = copyModel(dir.resolve("corrupt"));
        byte[] w = Files.readAllBytes(corrupt.resolve("model.params"));
        Files.write(corrupt.resolve("model.params"), Arrays.copyOf(w, w.length / 2));
        expectError(CliRun.of("evaluate", "--model", corrupt.toString()), corrupt.resolve("model.params") + ": not lenet5 weights");
        Path other = copyModel(dir.resolve("other"));
        try (NDManager m = NDManager.newBaseManager(); Net deep = Net.create(Models.create("deep-cnn"), m, 1)) {
            deep.save(other.resolve("model.params"));
        }
        expectError(CliRun.of("evaluate", "--model", other.toString()), other.resolve("model.params") + ": ");
        Path badJson = copyModel(dir.resolve("bad-json"));
        Files.writeString(badJson.resolve("model.json"), "{\"format\": 1, \"architecture\": ");
        expectError(CliRun.of("evaluate", "--model", badJson.toString()), badJson.resolve("model.json") + ": not a digitlab model sidecar");
        Path future = copyModel(dir.resolve("future"));
        Files.writeString(future.resolve("model.json"), Files.readString(future.resolve("model.json")).replace("\"format\" : 1", "\"format\" : 9"));
        expectError(CliRun.of("evaluate", "--model", future.toString()), future.resolve("model.json") + ": sidecar format 9");
    }

    @Test
    void nonsenseTrainingOptionsAreRejectedBeforeAnyWork() {
        expectError(CliRun.of("train", "--lr", "0"), "--lr must be a positive number, got 0.0");
        expectError(CliRun.of("train", "--batch-size", "0"), "--batch-size must be at least 1, got 0");
        expectError(CliRun.of("train", "--epochs", "-1"), "--epochs must be at least 0 (0: the untrained network, a baseline), got -1");
        // train.py's names for the same settings, named back by digitlab's own in errors
        expectError(CliRun.of("train", "--num-epochs", "-1"), "--epochs must be at least 0 (0: the untrained network, a baseline), got -1");
        expectError(CliRun.of("train", "--learning-rate", "0"), "--lr must be a positive number, got 0.0");
        expectError(CliRun.of("train", "--val-split", "1"), "--val-split must be in [0, 1), got 1.0");
        expectError(CliRun.of("train", "--flip"), "--flip mirrors images as part of --augment; give both");
        expectError(CliRun.of("train", "--model", "alexnet"), "unknown model 'alexnet'");
        expectError(CliRun.of("train", "--out", model.toString(), "--epochs", "1"), model + " already holds a lenet5 run");
    }

    @Test
    void trainsAndEvaluatesFromKaggleCsv() throws IOException {
        Path file = Files.writeString(dir.resolve("train.csv"), UserFiles.kaggleCsv(TestData.mnist().train(), 1500, true));
        Path out = dir.resolve("kaggle");
        CliRun r = CliRun.of("train", "--model", "mlp", "--data", file.toString(), "--epochs", "2", "--val-split", "0.2", "--out", out.toString(),
                "--no-progress");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.err()).contains("training mlp on 1200 images (300 for validation)");
        assertThat(r.out()).doesNotContain("test accuracy");
        CliRun e = CliRun.of("evaluate", "--model", out.toString(), "--data", file.toString());
        assertThat(e.exitCode()).as(e.err()).isZero();
        assertThat(e.out()).contains("of 1500 right");
    }

    @Test
    void kaggleSubmissionHasOneRowPerTestRowFromOne() throws IOException {
        Digits test = TestData.mnist().test();
        String csv = UserFiles.kaggleCsv(test, 50, false);
        Path in = Files.writeString(dir.resolve("test.csv"), csv);
        Path out = dir.resolve("submission.csv");
        CliRun r = CliRun.of("kaggle", "--model", model.toString(), "--test", in.toString(), "--out", out.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        List<String> rows = Files.readAllLines(out);
        assertThat(rows).hasSize(51);
        assertThat(rows.get(0)).isEqualTo("ImageId,Label");
        int right = 0;
        for (int i = 1; i <= 50; i++) {
            String[] f = rows.get(i).split(",");
            assertThat(f[0]).isEqualTo(String.valueOf(i));
            right += Integer.parseInt(f[1]) == test.label(i - 1) ? 1 : 0;
        }
        assertThat(right).isGreaterThanOrEqualTo(42);

        Path labelled = Files.writeString(dir.resolve("labelled.csv"), UserFiles.kaggleCsv(test, 50, true));
        expectError(CliRun.of("kaggle", "--model", model.toString(), "--test", labelled.toString(), "--out", out.toString()),
                labelled + ": has a label column");
        Path shortRow = Files.writeString(dir.resolve("short.csv"), csv.substring(0, csv.length() - 3) + "\n");
        expectError(CliRun.of("kaggle", "--model", model.toString(), "--test", shortRow.toString(), "--out", out.toString()),
                shortRow + ": line 51: 783 fields, expected 784");
        assertThat(Files.readAllLines(out)).hasSize(51); // the earlier submission is untouched
    }

    /** The first {@code n} images as a Kaggle CSV: train format (with labels) or test format. */
    static void expectError(CliRun r, String startsWith) {
        assertThat(r.exitCode()).as(r.out() + r.err()).isEqualTo(1);
        assertThat(r.errorLines()).as(r.err()).isEqualTo(1);
        assertThat(r.err()).contains("digitlab: error: " + startsWith).doesNotContain("\tat ");
    }
}
