package dev.digitlab.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.Slow;
import dev.digitlab.TestData;
import dev.digitlab.data.Digits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** predict, explain and kaggle with the model that ships (models/best), on MNIST test images a user's files hold. */
@Slow // ./digitlab as child processes
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ShippedModelIT {
    @TempDir
    static Path work;

    Launcher digitlab;
    Digits test;

    @BeforeAll
    void setUp() {
        test = TestData.mnist().test();
        digitlab = new Launcher(Launcher.projectRoot(), work);
    }

    /** Pictures of the first test images, dark on light and four times larger: best reads each as its label. */
    @Test
    void predictReadsPictures() throws Exception {
        List<String> args = new ArrayList<>(List.of("predict", "--model", digitlab.shipped("best")));
        for (int i = 0; i < 5; i++) {
            UserFiles.png(test, i, work.resolve("digit-" + i + ".png"));
            args.add("digit-" + i + ".png");
        }
        Launcher.Run predict = digitlab.run(args.toArray(String[]::new)).ok();
        assertThat(predict.out().lines()).hasSize(5);
        for (int i = 0; i < 5; i++) {
            assertThat(predict.find("digit-" + i + "\\.png:  (\\d) [\\d.]+%  \\d [\\d.]+%  \\d [\\d.]+%")).as("digit-%d.png", i)
                    .isEqualTo(String.valueOf(test.label(i)));
        }
        // and without --model, the shipped model by default, as the README's serve and explain lines rely on
        assertThat(digitlab.run("predict", "digit-0.png").ok().find("digit-0\\.png:  (\\d) ")).isEqualTo(String.valueOf(test.label(0)));
    }

    @Test
    void explainWritesAHeatMapPerMethod() throws Exception {
        UserFiles.png(test, 0, work.resolve("7.png"));
        Launcher.Run explain = digitlab.run("explain", "--model", digitlab.shipped("best"), "7.png").ok();
        assertThat(explain.find("7\\.png: (\\d) \\(")).isEqualTo(String.valueOf(test.label(0)));
        for (String method : List.of("saliency", "smoothgrad", "inputxgradient", "gradcam", "occlusion")) {
            Path png = work.resolve("explanations/7-" + method + ".png");
            assertThat(explain.out()).contains(method + " -> explanations/7-" + method + ".png");
            assertThat(ImageIO.read(png.toFile())).as(method).isNotNull();
        }
        Launcher.Run two = digitlab.run("explain", "--model", digitlab.shipped("best"), "--method", "inputxgradient,gradcam",
                "--out", "why/", "7.png").ok();
        assertThat(two.out()).contains("inputxgradient -> why/7-inputxgradient.png").contains("gradcam -> why/7-gradcam.png")
                .doesNotContain("saliency");
    }

    /** A submission for a Kaggle test.csv: as many rows as images, and as right as evaluate says on the same images. */
    @Test
    void kaggleSubmissionAgreesWithEvaluate() throws Exception {
        int n = 300;
        UserFiles.kaggleCsv(test, n, false, work.resolve("test.csv"));
        UserFiles.kaggleCsv(test, n, true, work.resolve("labelled.csv"));
        Launcher.Run kaggle = digitlab.run("kaggle", "--model", digitlab.shipped("best"), "--test", "test.csv").ok();
        assertThat(kaggle.out()).contains("wrote " + n + " predictions to submission.csv");
        List<String> rows = Files.readAllLines(work.resolve("submission.csv"));
        assertThat(rows).hasSize(n + 1);
        assertThat(rows.get(0)).isEqualTo("ImageId,Label");
        int right = 0;
        for (int i = 0; i < n; i++) {
            String[] f = rows.get(i + 1).split(",");
            assertThat(f[0]).isEqualTo(String.valueOf(i + 1));
            right += Integer.parseInt(f[1]) == test.label(i) ? 1 : 0;
        }
        Launcher.Run evaluate = digitlab.run("evaluate", "--model", digitlab.shipped("best"), "--data", "labelled.csv").ok();
        assertThat(evaluate.find("\\((\\d+) of " + n + " right\\)")).isEqualTo(String.valueOf(right));
        assertThat(right).isGreaterThanOrEqualTo(n - 3); // 99.66 % on all 10,000
    }
}
