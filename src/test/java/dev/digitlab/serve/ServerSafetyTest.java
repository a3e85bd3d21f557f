package dev.digitlab.serve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.ServerUnderTest;
import dev.digitlab.ServerUnderTest.Answer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
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

    static ServerUnderTest server;

    @BeforeAll
    static void start() {
        server = ServerUnderTest.start(new Server(new ModelPool(List.of(Path.of("models", "lenet5")), 1),
                tmp.resolve("feedback.csv")), 1000);
    }

    @AfterAll
    static void stop() {
        server.close();
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
        assertThat(server.get("/healthz").status()).isEqualTo(200);
    }

    @Test
    void pathTraversalIsRefused() throws Exception {
        for (String path : List.of("/../pom.xml", "/..%2f..%2fpom.xml", "/%2e%2e/%2e%2e/etc/passwd", "/web/../../pom.xml",
                "/..\\\\..\\\\pom.xml".replace("\\\\", "%5c"))) {
            Answer r = server.get(path);
            assertThat(r.status()).as(path).isBetween(400, 499);
            assertThat(r.body()).as(path).doesNotContain("<artifactId>").doesNotContain("root:");
        }
    }

    @Test
    void severalModelsAreListedAndChosenByName() throws Exception {
        Path copy = Files.createDirectories(tmp.resolve("other").resolve("lenet5"));
        for (String f : List.of("model.json", "model.params")) {
            Files.copy(Path.of("models", "lenet5", f), copy.resolve(f));
        }
        try (ServerUnderTest two = ServerUnderTest.start(new Server(new ModelPool(List.of(Path.of("models", "lenet5"), copy), 1),
                tmp.resolve("f.csv")))) {
            String models = two.get("/api/models").body();
            assertThat(models).contains("\"name\":\"lenet5\"").contains("\"name\":\"other/lenet5\"");
            StringBuilder px = new StringBuilder("[0");
            for (int i = 1; i < 784; i++) {
                px.append(i % 97 == 0 ? ",255" : ",0");
            }
            Answer r = two.postJson("/api/predict", "{\"pixels\": " + px + "], \"model\": \"other/lenet5\"}");
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            assertThat(r.body()).contains("\"model\":\"other/lenet5\"");
        }
    }

    @Test
    void noCrossOriginAccessByDefault() throws Exception {
        Answer r = server.get("/api/models", "Origin", "http://evil.example");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Access-Control-Allow-Origin")).isEmpty();
    }
}
