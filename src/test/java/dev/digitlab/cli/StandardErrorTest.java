package dev.digitlab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.Child;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a user sees on standard error is digitlab's own: every line starts with "digitlab: ". libtorch prints
 * warnings of its own (NNPACK's "Could not initialize NNPACK!" on CPUs it does not support, on every single-image
 * pass), so predict and serve, the commands that run single images, are run as processes and read line by line.
 */
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
        Process p = new ProcessBuilder(Child.command("serve", "--model", "models/lenet5", "--model", "models/best",
                "--port", "0", "--feedback", dir.resolve("feedback.csv").toString())).redirectError(err.toFile()).start();
        try {
            int port = -1;
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream()));
            for (String line; port < 0 && (line = out.readLine()) != null; ) {
                Matcher m = Pattern.compile("at http://127\\.0\\.0\\.1:(\\d+)/").matcher(line);
                port = m.find() ? Integer.parseInt(m.group(1)) : -1;
            }
            assertThat(port).as(Files.readString(err)).isPositive();
            HttpClient http = HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + port;
            byte[] png = Files.readAllBytes(drawing("c.png", 10));
            List<Integer> codes = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                String model = i % 2 == 0 ? "lenet5" : "best";
                codes.add(http.send(HttpRequest.newBuilder(URI.create(base + "/api/predict?model=" + model))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(png)).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
            }
            String zeros = "[" + "0,".repeat(783) + "255]";
            codes.add(http.send(HttpRequest.newBuilder(URI.create(base + "/api/predict/batch"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"images\": [" + zeros + ", " + zeros + "]}")).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
            int bad = http.send(HttpRequest.newBuilder(URI.create(base + "/api/predict"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"pixels\": [1, 2]}")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode();
            assertThat(codes).containsOnly(200);
            assertThat(bad).isEqualTo(400);
        } finally {
            p.destroy(); // the process this test started, also when it fails
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
            }
        }
        assertOnlyDigitlabLines(err);
    }
}
