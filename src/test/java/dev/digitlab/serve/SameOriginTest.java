package dev.digitlab.serve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.ServerUnderTest;
import dev.digitlab.ServerUnderTest.Answer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a web page elsewhere could make a browser do to a server on 127.0.0.1: reach it through a name of its own that
 * resolves here (DNS rebinding), post feedback from its own origin or as a form or text, fill the disk with
 * feedback, learn where the feedback file lies.
 */
class SameOriginTest {
    @TempDir
    static Path tmp;
    static ServerUnderTest server;
    static int port;
    static String self;
    static final String PIXELS = "[" + "0,".repeat(783) + "255]";

    @BeforeAll
    static void start() throws Exception {
        Files.createDirectories(tmp.resolve("runs/r1"));
        Files.writeString(tmp.resolve("runs/r1/events.jsonl"), "{\"type\":\"start\"}\n");
        Limits limits = Limits.DEFAULT.withAllowedHosts(List.of("Digits.Example")).withFeedbackMaxRows(3);
        server = ServerUnderTest.start(new Server(new ModelPool(List.of(Path.of("models", "lenet5")), 1),
                tmp.resolve("data/feedback.csv"), tmp.resolve("runs"), limits));
        port = server.port();
        self = "127.0.0.1:" + port;
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static String feedback(int label) {
        return "{\"label\": " + label + ", \"pixels\": " + PIXELS + "}";
    }

    @Test
    void aForeignHostIsRefusedEverywhereWith421() throws Exception {
        for (String path : List.of("/api/runs", "/healthz", "/", "/training.html", "/api/models", "/api/runs/events?run=r1")) {
            for (String host : List.of("attacker.example", "attacker.example:" + port, "127.0.0.1.attacker.example:" + port,
                    "127.0.0.1:" + (port == 1 ? 2 : port - 1), "localhost", "")) {
                Answer a = RawHttp.get(port, path, host);
                assertThat(a.status()).as(path + " with Host " + host).isIn(400, 421);
                assertThat(a.body()).as(path + " with Host " + host).doesNotContain("r1").doesNotContain("<html");
                if (a.status() == 421) {
                    assertThat(a.error()).contains("is not this server's name");
                }
            }
        }
    }

    @Test
    void theListeningAddressLoopbackNamesAndConfiguredNamesAreServed() throws Exception {
        for (String host : List.of(self, "localhost:" + port, "LOCALHOST:" + port, "[::1]:" + port, "digits.example",
                "digits.example:443")) {
            Answer a = RawHttp.get(port, "/api/runs", host);
            assertThat(a.status()).as(host).isEqualTo(200);
            assertThat(a.body()).as(host).contains("\"id\":\"r1\"");
        }
    }

    @Test
    void feedbackTakesJsonOnlyAndRefusesAForeignOrigin() throws Exception {
        long before = rows();
        assertThat(RawHttp.post(port, "/api/feedback", self, "text/plain", feedback(1)).status()).isEqualTo(415);
        assertThat(RawHttp.post(port, "/api/feedback", self, "application/x-www-form-urlencoded", "label=1").status()).isEqualTo(415);
        assertThat(RawHttp.post(port, "/api/feedback", self, "multipart/form-data; boundary=x", "--x--").status()).isEqualTo(415);
        for (String origin : List.of("http://evil.example", "null", "http://127.0.0.1:" + (port + 1), "https://" + self)) {
            Answer a = RawHttp.post(port, "/api/feedback", self, "application/json", feedback(1), "Origin", origin);
            assertThat(a.status()).as(origin).isEqualTo(403);
            assertThat(a.error()).as(origin).startsWith("cross-origin POST");
        }
        Answer predict = RawHttp.post(port, "/api/predict", self, "application/json", "{\"pixels\": " + PIXELS + "}",
                "Origin", "http://evil.example");
        assertThat(predict.status()).isEqualTo(403);
        assertThat(rows()).as("nothing refused was written").isEqualTo(before);
    }

    @Test
    void feedbackStopsAtItsRowLimitAndNeverNamesWhereTheFileLies() throws Exception {
        int saved = 0;
        for (int i = 0; i < 5; i++) {
            Answer a = RawHttp.post(port, "/api/feedback", self, "application/json", feedback(i), "Origin", "http://" + self);
            assertThat(a.body()).doesNotContain(tmp.toString()).doesNotContain("/data/");
            if (a.status() == 200) {
                saved++;
                assertThat(a.json().get("file").asText()).isEqualTo("feedback.csv");
                assertThat(a.json().get("rows").asLong()).isEqualTo(rows());
            } else {
                assertThat(a.status()).isEqualTo(507);
                assertThat(a.error()).contains("holds 3 rows, the most this server keeps");
            }
        }
        assertThat(saved).isLessThanOrEqualTo(3);
        assertThat(rows()).isEqualTo(3);
        List<String> lines = Files.readAllLines(tmp.resolve("data/feedback.csv"));
        assertThat(lines).hasSize(4);
        assertThat(lines.get(0)).startsWith("label,pixel0");
    }

    static long rows() throws Exception {
        Path f = tmp.resolve("data/feedback.csv");
        return Files.exists(f) ? Math.max(0, Files.readAllLines(f).size() - 1) : 0;
    }

    @Test
    void hostRulesReadThePortAndBracketsRight() {
        SameOrigin any = new SameOrigin(List.of("box.lan"));
        any.listening("0.0.0.0", 8080);
        assertThat(any.hostAllowed("192.168.1.7:8080")).as("an address, bound to every interface").isTrue();
        assertThat(any.hostAllowed("[fe80::1]:8080")).isTrue();
        assertThat(any.hostAllowed("192.168.1.7:8081")).isFalse();
        assertThat(any.hostAllowed("evil.example:8080")).isFalse();
        assertThat(any.hostAllowed("box.lan")).isTrue();
        assertThat(any.hostAllowed("box.lan.")).isTrue();
        SameOrigin loop = new SameOrigin(List.of());
        loop.listening("127.0.0.1", 80);
        assertThat(loop.hostAllowed("localhost")).as("no port means 80").isTrue();
        assertThat(loop.hostAllowed("192.168.1.7")).as("bound to loopback, other addresses are not this server").isFalse();
        assertThat(loop.hostAllowed("localhost:80x")).isFalse();
        assertThat(loop.hostAllowed(null)).isFalse();
    }
}
