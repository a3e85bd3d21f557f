package dev.digitlab.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.digitlab.Chromium;
import dev.digitlab.ServerUnderTest;
import dev.digitlab.Slow;
import dev.digitlab.TestData;
import dev.digitlab.data.Digits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * {@code serve --learn} through the launcher: 500 drawings of a new hand sent as feedback start a learn in the
 * background; the promoted v2 is swapped in, and back to v1 by one request, while 32 clients keep calling
 * /api/predict, none of whom sees an error; the versions and the live choice survive a restart.
 */
@Slow // ./digitlab as child processes, and a browser
public class ServeLearnIT {
    private static final int CLIENTS = 32;

    @TempDir
    Path work;

    @Test
    void learnsInTheBackgroundAndSwapsModelsWithoutFailingARequest() throws Exception {
        Launcher digitlab = new Launcher(Launcher.projectRoot(), work);
        Files.createDirectories(work.resolve("lenet5"));
        for (String f : List.of("model.json", "model.params")) {
            Files.copy(Path.of(digitlab.shipped("lenet5")).resolve(f), work.resolve("lenet5").resolve(f));
        }
        List<String> rows = Files.readAllLines(LearnIT.hand(work.resolve("hand.csv"), 0, 500));
        String[] serveArgs = {"serve", "--model", "lenet5", "--port", "0", "--feedback", "feedback.csv", "--learn",
                "--learn-every", "500", "--versions", "versions"};
        try (Launcher.Background serve = digitlab.serve(serveArgs)) {
            ServerUnderTest server = serve.server();
            Load load = new Load(server);
            try {
                for (String row : rows.subList(1, rows.size())) {
                    int comma = row.indexOf(',');
                    server.postJson("/api/feedback", "{\"label\": " + row.substring(0, comma) + ", \"pixels\": ["
                            + row.substring(comma + 1) + "]}").expect(200);
                }
                JsonNode model = waitFor(server, m -> m.path("versions").size() == 2, serve);
                assertThat(model.path("version").asText()).as(model.toString()).isEqualTo("v2");
                servesTheLiveVersion(model);
                JsonNode v2 = model.path("versions").get(1);
                assertThat(v2.path("promoted").asBoolean()).isTrue();
                assertThat(v2.path("learnedFrom").asInt()).isEqualTo(400);
                assertThat(v2.path("summary").asText()).startsWith("v2: learned from 400 drawings; your ").contains("MNIST test");
                long beforeSwitch = load.ok.get();
                waitUntil(() -> load.ok.get() > beforeSwitch + 100);

                // back to v1 in one request, under load; refused from a foreign page and for what does not exist
                JsonNode back = server.postJson("/api/models/live", "{\"version\": \"v1\"}").expect(200).json();
                assertThat(back.get(0).path("version").asText()).isEqualTo("v1");
                servesTheLiveVersion(back.get(0));
                long afterSwitch = load.ok.get();
                waitUntil(() -> load.ok.get() > afterSwitch + 100);
                ServerUnderTest.Answer foreign = server.postJson("/api/models/live", "{\"version\": \"v2\"}",
                        "Origin", "http://evil.example");
                assertThat(foreign.status()).isEqualTo(403);
                server.postJson("/api/models/live", "{\"version\": \"v9\"}").expect(400);
                assertThat(model(server).path("version").asText()).isEqualTo("v1");
                servesTheLiveVersion(server.postJson("/api/models/live", "{\"version\": \"v2\"}").expect(200).json().get(0));
            } finally {
                load.stop();
            }
            assertThat(load.failures).as("requests that failed through two swaps").isEmpty();
            assertThat(load.ok.get()).isGreaterThan(300);
            serve.stopAndCheck();
        }
        // the versions and the live choice are found again after a restart
        try (Launcher.Background again = digitlab.serve(serveArgs)) {
            JsonNode model = model(again.server());
            assertThat(model.path("version").asText()).isEqualTo("v2");
            assertThat(model.path("versions").size()).isEqualTo(2);
            assertThat(model.path("testAccuracy").asDouble()).isEqualTo(model.path("versions").get(1).path("testAccuracy").asDouble());
            // the drawing page says which version is live and what it learned
            ChromeDriver browser = Chromium.start(work.resolve("chromium-profile"));
            try {
                browser.get(again.url() + "/");
                new WebDriverWait(browser, Duration.ofSeconds(30)).until(d -> d.findElement(By.id("version")).isDisplayed());
                assertThat(browser.findElement(By.id("version")).getText()).startsWith("v2: learned from 400 drawings; your ")
                        .contains("MNIST test");
                Files.write(Chromium.SHOTS.resolve("11-learned-version.png"), browser.getScreenshotAs(OutputType.BYTES));
            } finally {
                browser.quit();
            }
            again.stopAndCheck();
        }
    }

    /** The model served (its figures come from the pool's model) is the version versions.json names live. */
    private static void servesTheLiveVersion(JsonNode model) {
        JsonNode live = null;
        for (JsonNode v : model.path("versions")) {
            live = v.path("live").asBoolean() ? v : live;
        }
        assertThat(live).as(model.toString()).isNotNull();
        assertThat(live.path("name").asText()).isEqualTo(model.path("version").asText());
        assertThat(model.path("testAccuracy").asDouble()).as(model.toString()).isEqualTo(live.path("testAccuracy").asDouble());
    }

    /** {@value #CLIENTS} clients calling /api/predict with MNIST test digits until stopped, counting what failed. */
    private static final class Load {
        final AtomicLong ok = new AtomicLong();
        final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        private final AtomicBoolean stop = new AtomicBoolean();
        private final List<Thread> threads = new ArrayList<>();

        Load(ServerUnderTest server) {
            Digits test = TestData.mnist().test();
            for (int c = 0; c < CLIENTS; c++) {
                StringJoiner pixels = new StringJoiner(",", "{\"pixels\": [", "]}");
                for (byte b : test.image(c)) {
                    pixels.add(String.valueOf(b & 0xff));
                }
                String request = pixels.toString();
                Thread t = new Thread(() -> {
                    while (!stop.get()) {
                        try {
                            ServerUnderTest.Answer r = server.postJson("/api/predict", request);
                            if (r.status() == 200) {
                                ok.incrementAndGet();
                            } else {
                                failures.add(r.status() + " " + r.body());
                            }
                        } catch (Exception e) {
                            failures.add(e.toString());
                        }
                    }
                }, "client " + c);
                t.start();
                threads.add(t);
            }
        }

        void stop() throws InterruptedException {
            stop.set(true);
            for (Thread t : threads) {
                t.join(60_000);
            }
        }
    }

    /** The served model, as /api/models lists it. */
    private static JsonNode model(ServerUnderTest server) {
        return server.get("/api/models").json().get(0);
    }

    private static JsonNode waitFor(ServerUnderTest server, java.util.function.Predicate<JsonNode> done,
                                    Launcher.Background serve) throws Exception {
        long deadline = System.currentTimeMillis() + 300_000;
        JsonNode m = model(server);
        while (!done.test(m) && System.currentTimeMillis() < deadline) {
            Thread.sleep(500);
            m = model(server);
        }
        assertThat(done.test(m)).as("the learn did not end in 5 minutes: " + m + "\n" + serve.err()).isTrue();
        return m;
    }

    private static void waitUntil(java.util.function.BooleanSupplier done) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 60_000;
        while (!done.getAsBoolean() && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        assertThat(done.getAsBoolean()).isTrue();
    }
}
