package dev.digitlab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.Child;
import dev.digitlab.ServerUnderTest;
import dev.digitlab.Slow;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a user sees on standard error is digitlab's own: every line starts with "digitlab: ". libtorch prints
 * warnings of its own (NNPACK's "Could not initialize NNPACK!" on CPUs it does not support, on every single-image
 * pass), so predict and serve, the commands that run single images, are run as processes and read line by line.
 */
@Slow // predict and serve as child JVMs
class StandardErrorTest {
    @TempDir
    Path dir;

    private Path drawing(String name, int shift) throws Exception {
        BufferedImage img = new BufferedImage(200, 200, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, 200, 200);
        g.setColor(Color.BLACK);
        g.setStroke(new BasicStroke(16));
        g.drawLine(50 + shift, 40, 150, 40);
        g.drawLine(150, 40, 80 + shift, 170);
        g.dispose();
        Path file = dir.resolve(name);
        ImageIO.write(img, "png", file.toFile());
        return file;
    }

    private static void assertOnlyDigitlabLines(Path stderr) throws Exception {
        List<String> lines = Files.readAllLines(stderr);
        assertThat(lines).as(String.join("\n", lines)).allSatisfy(l -> assertThat(l).startsWith("digitlab: "));
    }

    @Test
    void predictPrintsNothingButItsOwnLines() throws Exception {
        Path a = drawing("a.png", 0);
        Path b = drawing("b.png", 20);
        for (List<String> args : List.of(List.of("predict", "--model", "models/lenet5", a.toString(), b.toString()),
                List.of("predict", "--tta", a.toString()), List.of("predict", "--model", "models/best", b.toString()))) {
            Path err = dir.resolve("predict.err");
            Process p = new ProcessBuilder(Child.command(args.toArray(String[]::new)))
                    .redirectError(err.toFile()).start();
            String out = new String(p.getInputStream().readAllBytes());
            assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
            assertThat(p.exitValue()).as(out + Files.readString(err)).isZero();
            assertThat(out.lines()).hasSize((int) args.stream().filter(x -> x.endsWith(".png")).count())
                    .allSatisfy(l -> assertThat(l).matches(".*\\.png:  \\d .*"));
            assertOnlyDigitlabLines(err);
        }
    }

    @Test
    void aServeSessionPrintsNothingButItsOwnLines() throws Exception {
        Path err = dir.resolve("serve.err");
        ProcessBuilder serve = new ProcessBuilder(Child.command("serve", "--model", "models/lenet5", "--model", "models/best",
                "--port", "0", "--feedback", dir.resolve("feedback.csv").toString())).redirectError(err.toFile());
        try (ServerUnderTest server = ServerUnderTest.start("digitlab serve", serve, Duration.ofMinutes(3))) {
            byte[] png = Files.readAllBytes(drawing("c.png", 10));
            List<Integer> codes = new ArrayList<>();
            for (int i = 0; i < 20; i++) { // no Content-Type: the bytes say what they are
                String model = i % 2 == 0 ? "lenet5" : "best";
                codes.add(server.post("/api/predict?model=" + model, null, png).status());
            }
            String zeros = "[" + "0,".repeat(783) + "255]";
            byte[] batch = ("{\"images\": [" + zeros + ", " + zeros + "]}").getBytes(StandardCharsets.UTF_8);
            codes.add(server.post("/api/predict/batch", null, batch).status());
            int bad = server.post("/api/predict", null, "{\"pixels\": [1, 2]}".getBytes(StandardCharsets.UTF_8)).status();
            assertThat(codes).containsOnly(200);
            assertThat(bad).isEqualTo(400);
        } // the process this test started is stopped here, also when it fails
        assertOnlyDigitlabLines(err);
    }
}
