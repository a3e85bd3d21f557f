package dev.digitlab.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.Slow;
import dev.digitlab.TestData;
import dev.digitlab.eval.ModelStudy;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report of the shipped LeNet-5: every picture real, the page whole, t-SNE separating what training taught. */
@Slow // a whole report of the shipped model, t-SNE included
class ReportTest {
    @TempDir
    static Path out;

    static Report.Result result;

    @BeforeAll
    static void write() throws IOException {
        result = Report.write(Path.of("models", "lenet5"), out, TestData.mnist().train(), TestData.mnist().test(),
                new ModelStudy.Options(0, 600, 1), s -> { });
    }

    @Test
    void everyPictureDecodesAtItsSizeAndIsNotBlank() throws IOException {
        List<String> expected = List.of("loss", "accuracy", "confusion", "class-distribution", "predictions", "mistakes",
                "input", "feature-maps-1", "feature-maps-4", "feature-maps-7", "filters", "output", "tsne-raw",
                "tsne-untrained", "tsne-trained", "explain-samples", "explain-mistakes");
        for (String name : expected) {
            BufferedImage img = ImageIO.read(out.resolve(name + ".png").toFile());
            assertThat(img).as(name).isNotNull();
            assertThat(img.getWidth()).as(name).isGreaterThan(20);
            assertThat(img.getHeight()).as(name).isGreaterThan(20);
            assertThat(distinctColours(img)).as(name + " is not blank").isGreaterThan(2);
        }
        assertThat(ImageIO.read(out.resolve("confusion.png").toFile()).getWidth()).isEqualTo(720);
        assertThat(ImageIO.read(out.resolve("tsne-trained.png").toFile()).getHeight()).isEqualTo(560);
        for (String chart : List.of("loss", "accuracy", "confusion", "class-distribution", "tsne-raw", "tsne-untrained", "tsne-trained")) {
            assertThat(Files.readString(out.resolve(chart + ".svg"))).as(chart).contains("<svg");
        }
    }

    static int distinctColours(BufferedImage img) {
        Set<Integer> seen = new HashSet<>();
        for (int y = 0; y < img.getHeight(); y += 2) {
            for (int x = 0; x < img.getWidth(); x += 2) {
                seen.add(img.getRGB(x, y));
                if (seen.size() > 10) {
                    return seen.size();
                }
            }
        }
        return seen.size();
    }

    @Test
    void pageReferencesOnlyFilesThatExistAndNothingOnline() throws IOException {
        String html = Files.readString(result.html());
        assertThat(html).doesNotContain("http://").doesNotContain("https://").doesNotContain("<script");
        Matcher m = Pattern.compile("(?:src|href)=\"([^\"]+)\"").matcher(html);
        List<String> refs = new ArrayList<>();
        while (m.find()) {
            refs.add(m.group(1));
        }
        assertThat(refs).hasSizeGreaterThan(15).allSatisfy(r -> assertThat(out.resolve(r)).isRegularFile());
        try (Stream<Path> files = Files.list(out)) {
            assertThat(files.filter(p -> p.toString().endsWith(".part"))).isEmpty();
        }
        assertThat(html).contains("Total params: 61,706").contains("precision").contains("5-NN accuracy");
    }

    @Test
    void trainedFeaturesSeparateClassesFarBetterThanRawPixels() {
        double raw = result.tsneKnn().get("raw pixels");
        double trained = result.tsneKnn().get("trained model, penultimate layer");
        assertThat(raw).isBetween(0.75, 0.97);     // raw pixels already cluster somewhat (about 90 % here)
        assertThat(trained).isGreaterThan(0.95);    // the shipped model's features: about 98 %
        assertThat(trained - raw).isGreaterThan(0.02);
        assertThat(result.accuracy()).isGreaterThan(0.985);
    }
}
