package dev.digitlab.serve;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Slow clients, path traversal, cross-origin requests. */
class ServerSafetyTest {
    @TempDir
    static Path tmp;

    static Server server;
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        server = new Server(new ModelPool(List.of(Path.of("models", "lenet5")), 1), tmp.resolve("feedback.csv"))
                .start("127.0.0.1", 0, 1000);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aClientThatStallsMidBodyIsCutOffAndTheServerStaysUp() throws Exception {
        long t0 = System.nanoTime();
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(15_000);
            OutputStream out = s.getOutputStream();
            out.write(("POST /api/predict HTTP/1.1\r\nHost: 127.0.0.1:" + server.port() + "\r\nContent-Type: image/png\r\nContent-Length: 5000\r\n\r\n0123456789")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] answer = in.readAllBytes(); // returns once the server gives up on us and closes
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertThat(seconds).as("closed after the 1 s idle timeout, not held").isLessThan(10);
            String text = new String(answer, StandardCharsets.US_ASCII);
            assertThat(text.isEmpty() || text.startsWith("HTTP/1.1 4")).as(text).isTrue();
        }
        assertThat(get("/healthz").statusCode()).isEqualTo(200);
    }

    @Test
    void pathTraversalIsRefused() throws Exception {
        for (String path : List.of("/../pom.xml", "/..%2f..%2fpom.xml", "/%2e%2e/%2e%2e/etc/passwd", "/web/../../pom.xml",
                "/..\\\\..\\\\pom.xml".replace("\\\\", "%5c"))) {
            HttpResponse<String> r = get(path);
            assertThat(r.statusCode()).as(path).isBetween(400, 499);
            assertThat(r.body()).as(path).doesNotContain("<artifactId>").doesNotContain("root:");
        }
    }

    @Test
    void severalModelsAreListedAndChosenByName() throws Exception {
        Path copy = Files.createDirectories(tmp.resolve("other").resolve("lenet5"));
        for (String f : List.of("model.json", "model.params")) {
            Files.copy(Path.of("models", "lenet5", f), copy.resolve(f));
        }
        try (Server two = new Server(new ModelPool(List.of(Path.of("models", "lenet5"), copy), 1), tmp.resolve("f.csv"))
                .start("127.0.0.1", 0)) {
            String base = "http://127.0.0.1:" + two.port();
            String models = http.send(HttpRequest.newBuilder(URI.create(base + "/api/models")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertThat(models).contains("\"name\":\"lenet5\"").contains("\"name\":\"other/lenet5\"");
            StringBuilder px = new StringBuilder("[0");
            for (int i = 1; i < 784; i++) {
                px.append(i % 97 == 0 ? ",255" : ",0");
            }
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/api/predict"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"pixels\": " + px + "], \"model\": \"other/lenet5\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(r.body()).contains("\"model\":\"other/lenet5\"");
        }
    }

    @Test
    void noCrossOriginAccessByDefault() throws Exception {
        HttpResponse<String> r = get("/api/models", "Origin", "http://evil.example");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
    }
}
