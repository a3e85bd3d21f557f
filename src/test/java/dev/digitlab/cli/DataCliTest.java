package dev.digitlab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.data.Dataset;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataCliTest {
    @TempDir
    Path dir;

    @Test
    void versionAndHelp() {
        CliRun v = CliRun.of("--version");
        assertThat(v.exitCode()).isZero();
        assertThat(v.out()).startsWith("digitlab ").doesNotContain("unknown");
        CliRun h = CliRun.of("data", "info", "--help");
        assertThat(h.exitCode()).isZero();
        assertThat(h.out()).contains("--dataset").contains("--data-dir");
    }

    @Test
    void infoPrintsTheClassTable() {
        CliRun r = CliRun.of("data", "info");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).containsPattern("(?m)^0\\s+5923\\s+9\\.87%\\s+980\\s+9\\.80%$")
                .containsPattern("(?m)^1\\s+6742\\s+11\\.24%\\s+1135")
                .containsPattern("(?m)^9\\s+5949\\s+9\\.92%")
                .contains("pixel mean:  0.1307  std: 0.3081")
                .contains("60000 train, 10000 test, 28x28");
    }

    @Test
    void corruptDataFileGivesOneLineAndExitOne() throws IOException {
        for (String f : Dataset.FILES) {
            Files.write(dir.resolve(f), new byte[] {0, 0, 8, 3, 0, 0, 0, 1});
        }
        CliRun r = CliRun.of("data", "info", "--data-dir", dir.toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.errorLines()).isEqualTo(1);
        assertThat(r.err()).contains("digitlab: error: " + dir.resolve(Dataset.FILES.get(0)))
                .doesNotContain("\tat ").doesNotContain("Exception");
    }

    @Test
    void unknownDatasetIsOneLine() {
        CliRun r = CliRun.of("data", "info", "--dataset", "cifar");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err().strip()).isEqualTo("digitlab: error: unknown dataset 'cifar' (expected mnist or fashion)");
    }

    @Test
    void showWritesALabelledGrid() throws IOException {
        Path png = dir.resolve("grid.png");
        CliRun r = CliRun.of("data", "show", "--count", "16", "--out", png.toString());
        assertThat(r.exitCode()).isZero();
        BufferedImage img = ImageIO.read(png.toFile());
        assertThat(img.getWidth()).isEqualTo(4 + 4 * (84 + 4));
        assertThat(img.getHeight()).isEqualTo(4 + 4 * (84 + 16 + 4));
        long dark = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                dark += (img.getRGB(x, y) & 0xff) < 128 ? 1 : 0;
            }
        }
        // ink covers roughly a fifth of an MNIST digit; a blank or all-black picture fails
        assertThat(dark).isBetween(img.getWidth() * (long) img.getHeight() / 30, img.getWidth() * (long) img.getHeight() / 2);
        assertThat(CliRun.of("data", "show", "--count", "0").exitCode()).isEqualTo(1);
    }

    @Test
    void showAugmentDrawsTheSameSampleWarped() throws IOException {
        Path plain = dir.resolve("plain.png");
        Path warped = dir.resolve("warped.png");
        Path again = dir.resolve("again.png");
        assertThat(CliRun.of("data", "show", "--count", "9", "--seed", "3", "--out", plain.toString()).exitCode()).isZero();
        CliRun r = CliRun.of("data", "show", "--count", "9", "--seed", "3", "--augment", "--out", warped.toString());
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("wrote 9 augmented train images");
        CliRun.of("data", "show", "--count", "9", "--seed", "3", "--augment", "--out", again.toString());
        BufferedImage a = ImageIO.read(plain.toFile());
        BufferedImage b = ImageIO.read(warped.toFile());
        assertThat(b.getWidth()).isEqualTo(a.getWidth());
        long differ = 0;
        for (int y = 0; y < a.getHeight(); y++) {
            for (int x = 0; x < a.getWidth(); x++) {
                differ += a.getRGB(x, y) != b.getRGB(x, y) ? 1 : 0;
            }
        }
        assertThat(differ).as("pixels the warp moved").isGreaterThan(a.getWidth() * (long) a.getHeight() / 50);
        assertThat(Files.readAllBytes(again)).as("the warps are drawn from --seed").isEqualTo(Files.readAllBytes(warped));
    }
}
