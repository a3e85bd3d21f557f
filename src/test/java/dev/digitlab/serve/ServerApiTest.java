package dev.digitlab.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.digitlab.ServerUnderTest;
import dev.digitlab.ServerUnderTest.Answer;
import dev.digitlab.TestData;
import dev.digitlab.data.Dataset;
import dev.digitlab.data.Digits;
import dev.digitlab.data.KaggleCsv;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.imageio.ImageIO;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP API over real HTTP on 127.0.0.1, serving the model that ships in models/lenet5. */
class ServerApiTest {
    static final Path SHIPPED = Path.of("models", "lenet5");

    @TempDir
    static Path tmp;

    static ServerUnderTest server;

    @BeforeAll
    static void start() {
        server = ServerUnderTest.start(new Server(new ModelPool(List.of(SHIPPED), 2), tmp.resolve("feedback.csv")));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static String pixels(Digits d, int i) {
        StringJoiner j = new StringJoiner(",", "[", "]");
        for (int p = 0; p < 784; p++) {
            j.add(String.valueOf(d.pixels()[i * 784 + p] & 0xff));
        }
        return j.toString();
    }

    static void assertError(Answer r, int status, String contains) {
        assertThat(r.status()).as(r.body()).isEqualTo(status);
        assertThat(r.json().get("error").asText()).contains(contains);
    }

    @Test
    void predictsTestDigitsSentAsPixels() throws Exception {
        Digits test = TestData.mnist().test();
        int right = 0;
        for (int i = 0; i < 20; i++) {
            Answer r = server.postJson("/api/predict", "{\"pixels\": " + pixels(test, i) + "}");
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            JsonNode j = r.json();
            assertThat(j.get("probabilities")).hasSize(10);
            double sum = 0;
            for (JsonNode p : j.get("probabilities")) {
                sum += p.asDouble();
            }
            assertThat(sum).isCloseTo(1.0, Offset.offset(1e-6));
            assertThat(j.get("seen")).hasSize(784);
            assertThat(j.get("model").asText()).isEqualTo("lenet5");
            assertThat(j.get("latencyMs").asDouble()).isPositive();
            right += j.get("label").asInt() == test.label(i) ? 1 : 0;
        }
        assertThat(right).isGreaterThanOrEqualTo(18); // re-made MNIST-like, as a drawing would be: 98.1 % on the first 2,000 test images, as raw
    }

    @Test
    void acceptsRowsOfPixelsAndPngBodies() throws Exception {
        Digits test = TestData.mnist().test();
        StringJoiner rows = new StringJoiner(",", "[", "]");
        for (int r = 0; r < 28; r++) {
            StringJoiner row = new StringJoiner(",", "[", "]");
            for (int c = 0; c < 28; c++) {
                row.add(String.valueOf(test.pixel(1, r, c)));
            }
            rows.add(row.toString());
        }
        Answer r = server.postJson("/api/predict", "{\"pixels\": " + rows + ", \"preprocess\": false}");
        assertThat(r.json().get("label").asInt()).isEqualTo(test.label(1));
        BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 28; y++) {
            for (int x = 0; x < 28; x++) {
                img.getRaster().setSample(x, y, 0, 255 - test.pixel(2, y, x)); // dark on light, as a scan would be
            }
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(img, "png", png);
        Answer p = server.post("/api/predict", "image/png", png.toByteArray());
        assertThat(p.status()).as(p.body()).isEqualTo(200);
        assertThat(p.json().get("label").asInt()).isEqualTo(test.label(2));
    }

    @Test
    void batchPredictsInOrder() throws Exception {
        Digits test = TestData.mnist().test();
        StringJoiner images = new StringJoiner(",", "[", "]");
        for (int i = 0; i < 8; i++) {
            images.add(pixels(test, i));
        }
        Answer r = server.postJson("/api/predict/batch", "{\"images\": " + images + "}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        JsonNode results = r.json().get("results");
        assertThat(results).hasSize(8);
        int right = 0;
        for (int i = 0; i < 8; i++) {
            right += results.get(i).get("label").asInt() == test.label(i) ? 1 : 0;
        }
        assertThat(right).isGreaterThanOrEqualTo(7);
    }

    @Test
    void modelsHealthMetricsAndOpenApi() throws Exception {
        JsonNode models = server.get("/api/models").json();
        assertThat(models).hasSize(1);
        assertThat(models.get(0).get("architecture").asText()).isEqualTo("lenet5");
        assertThat(models.get(0).get("classNames")).hasSize(10);
        assertThat(server.get("/healthz").json().get("status").asText()).isEqualTo("ok");
        server.postJson("/api/predict", "{\"pixels\": [1,2,3]}");
        String metrics = server.get("/metrics").body();
        assertThat(metrics).contains("# TYPE digitlab_requests_total counter")
                .containsPattern("digitlab_requests_total\\{route=\"/api/predict\",status=\"400\"} [1-9]")
                .contains("digitlab_request_seconds_bucket{route=\"/api/predict\",le=\"+Inf\"}")
                .containsPattern("digitlab_errors_total\\{route=\"/api/predict\",kind=\"client\"} [1-9]");
        JsonNode api = server.get("/openapi.json").json();
        assertThat(api.get("openapi").asText()).startsWith("3.");
        assertThat(api.get("paths").has("/api/predict/batch")).isTrue();
        Answer page = server.get("/");
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.body()).contains("<canvas id=\"pad\"").doesNotContain("http://").doesNotContain("https://");
        assertThat(server.get("/app.js").status()).isEqualTo(200);
        assertThat(server.get("/style.css").status()).isEqualTo(200);
    }

    @Test
    void badRequestsGetJson400s() throws Exception {
        assertError(server.postJson("/api/predict", "{\"pixels\": [1,2"), 400, "malformed JSON");
        assertError(server.postJson("/api/predict", "[1,2,3]"), 400, "JSON object");
        assertError(server.postJson("/api/predict", "{\"pixels\": [1,2,3]}"), 400, "holds 3 values; expected 784");
        assertError(server.postJson("/api/predict", "{}"), 400, "'pixels' must be an array");
        String tooBright = pixels(TestData.mnist().test(), 0).replaceFirst("\\[0,", "[256,");
        assertError(server.postJson("/api/predict", "{\"pixels\": " + tooBright + "}"), 400, "value 0 is 256");
        String negative = pixels(TestData.mnist().test(), 0).replaceFirst("\\[0,", "[-1,");
        assertError(server.postJson("/api/predict", "{\"pixels\": " + negative + "}"), 400, "value 0 is -1");
        String text = pixels(TestData.mnist().test(), 0).replaceFirst("\\[0,", "[\"a\",");
        assertError(server.postJson("/api/predict", "{\"pixels\": " + text + "}"), 400, "expected a number 0-255");
        assertError(server.post("/api/predict", "image/png", "not a picture".getBytes()), 400, "not a PNG or JPEG image");
        assertError(server.post("/api/predict", "image/png", new byte[0]), 400, "empty request body");
        assertError(server.postJson("/api/predict", "{\"pixels\": " + pixels(TestData.mnist().test(), 0) + ", \"model\": \"x\"}"), 400, "unknown model 'x'");
        assertError(server.postJson("/api/predict/batch", "{\"images\": []}"), 400, "non-empty array");
        StringJoiner many = new StringJoiner(",", "[", "]");
        for (int i = 0; i < 257; i++) {
            many.add("[0]");
        }
        assertError(server.postJson("/api/predict/batch", "{\"images\": " + many + "}"), 400, "at most 256");
        assertError(server.postJson("/api/feedback", "{\"label\": 12, \"pixels\": []}"), 400, "'label' must be a whole number 0-9");
        assertError(server.get("/api/nothing"), 404, "not found");
    }

    @Test
    void bodiesOverOneMegabyteGet413() throws Exception {
        byte[] big = new byte[1_000_001];
        assertError(server.post("/api/predict", "image/png", big), 413, "over the limit");
        // A chunked body declares no length: the limit must hold while reading.
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            OutputStream out = s.getOutputStream();
            out.write(("POST /api/predict HTTP/1.1\r\nHost: 127.0.0.1:" + server.port() + "\r\nContent-Type: image/png\r\nTransfer-Encoding: chunked\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            byte[] chunk = new byte[100_000];
            for (int i = 0; i < 11; i++) {
                out.write("186a0\r\n".getBytes(StandardCharsets.US_ASCII));
                out.write(chunk);
                out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String status = new String(in.readNBytes(12), StandardCharsets.US_ASCII);
            assertThat(status).isEqualTo("HTTP/1.1 413");
        }
    }

    @Test
    void feedbackAppendsKaggleRowsSafelyUnderConcurrency() throws Exception {
        String px = pixels(TestData.mnist().test(), 0);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Answer>> answers = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                int label = i % 10;
                answers.add(pool.submit(() -> server.postJson("/api/feedback", "{\"label\": " + label + ", \"pixels\": " + px + "}")));
            }
            for (Future<Answer> a : answers) {
                assertThat(a.get().status()).as(a.get().body()).isEqualTo(200);
            }
        } finally {
            pool.shutdown();
        }
        Path csv = tmp.resolve("feedback.csv");
        List<String> lines = Files.readAllLines(csv);
        assertThat(lines).hasSize(41);
        assertThat(lines.get(0)).startsWith("label,pixel0,pixel1");
        assertThat(lines.subList(1, 41)).allSatisfy(l -> assertThat(l.split(",")).hasSize(785));
        Digits back = KaggleCsv.read(csv, Dataset.MNIST.classNames());
        assertThat(back.size()).isEqualTo(40);
        assertThat(back.classCounts()).containsOnly(4);
    }

    @Test
    void concurrentPredictionsAreCorrectAndNeverFail() throws Exception {
        Digits test = TestData.mnist().test();
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<Integer>> answers = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                int index = i % 50;
                answers.add(pool.submit(() -> {
                    Answer r = server.postJson("/api/predict", "{\"pixels\": " + pixels(test, index) + ", \"preprocess\": false}");
                    assertThat(r.status()).isEqualTo(200);
                    return r.json().get("label").asInt();
                }));
            }
            // the same image must always get the same answer, whichever predictor served it
            for (int i = 0; i < 200; i++) {
                assertThat(answers.get(i).get()).isEqualTo(answers.get(i % 50).get());
            }
        } finally {
            pool.shutdown();
        }
    }

    /** Explanations take gradients, and DJL allows one gradient pass in a JVM at a time: served at once, none may fail. */
    @Test
    void concurrentExplanationsAllSucceed() throws Exception {
        Digits test = TestData.mnist().test();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<String>> answers = new ArrayList<>();
            for (int i = 0; i < 24; i++) {
                int index = i % 4;
                answers.add(pool.submit(() -> {
                    Answer r = server.postJson("/api/explain", "{\"pixels\": " + pixels(test, index)
                            + ", \"preprocess\": false, \"methods\": [\"saliency\", \"inputxgradient\"]}");
                    assertThat(r.status()).as(r.body()).isEqualTo(200);
                    return r.json().get("maps").toString();
                }));
            }
            for (int i = 0; i < 24; i++) { // and the same image gets the same maps, whichever thread served it
                assertThat(answers.get(i).get()).isEqualTo(answers.get(i % 4).get());
            }
        } finally {
            pool.shutdown();
        }
    }
}
