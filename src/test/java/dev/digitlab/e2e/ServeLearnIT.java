package dev.digitlab.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.digitlab.Chromium;
import dev.digitlab.TestData;
import dev.digitlab.data.Digits;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
public class ServeLearnIT {
    private static final ObjectMapper JSON = new ObjectMapper();
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
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        String[] serveArgs = {"serve", "--model", "lenet5", "--port", "0", "--feedback", "feedback.csv", "--learn",
                "--learn-every", "500", "--versions", "versions"};
        try (Launcher.Background serve = digitlab.serve(serveArgs)) {
            String url = serve.url();
            Load load = new Load(http, url + "/api/predict");
            try {
                for (String row : rows.subList(1, rows.size())) {
                    int comma = row.indexOf(',');
                    post(http, url + "/api/feedback", "{\"label\": " + row.substring(0, comma) + ", \"pixels\": ["
                            + row.substring(comma + 1) + "]}", 200);
                }
                JsonNode model = waitFor(http, url, m -> m.path("versions").size() == 2, serve);
                assertThat(model.path("version").asText()).as(model.toString()).isEqualTo("v2");
                servesTheLiveVersion(model);
                JsonNode v2 = model.path("versions").get(1);
                assertThat(v2.path("promoted").asBoolean()).isTrue();
                assertThat(v2.path("learnedFrom").asInt()).isEqualTo(400);
                assertThat(v2.path("summary").asText()).startsWith("v2: learned from 400 drawings; your ").contains("MNIST test");
                long beforeSwitch = load.ok.get();
                waitUntil(() -> load.ok.get() > beforeSwitch + 100);

                // back to v1 in one request, under load; refused from a foreign page and for what does not exist
                JsonNode back = JSON.readTree(post(http, url + "/api/models/live", "{\"version\": \"v1\"}", 200));
                assertThat(back.get(0).path("version").asText()).isEqualTo("v1");
                servesTheLiveVersion(back.get(0));
                long afterSwitch = load.ok.get();
                waitUntil(() -> load.ok.get() > afterSwitch + 100);
                HttpResponse<String> foreign = http.send(HttpRequest.newBuilder(URI.create(url + "/api/models/live"))
                        .header("Content-Type", "application/json").header("Origin", "http://evil.example")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"version\": \"v2\"}")).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(foreign.statusCode()).isEqualTo(403);
                post(http, url + "/api/models/live", "{\"version\": \"v9\"}", 400);
                assertThat(get(http, url).path("version").asText()).isEqualTo("v1");
                servesTheLiveVersion(JSON.readTree(post(http, url + "/api/models/live", "{\"version\": \"v2\"}", 200)).get(0));
            } finally {
                load.stop();
            }
            assertThat(load.failures).as("requests that failed through two swaps").isEmpty();
            assertThat(load.ok.get()).isGreaterThan(300);
            serve.stopAndCheck();
        }
        // the versions and the live choice are found again after a restart
        try (Launcher.Background again = digitlab.serve(serveArgs)) {
            JsonNode model = get(http, again.url());
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

        Load(HttpClient http, String url) {
            Digits test = TestData.mnist().test();
            for (int c = 0; c < CLIENTS; c++) {
                StringJoiner pixels = new StringJoiner(",", "{\"pixels\": [", "]}");
                for (byte b : test.image(c)) {
                    pixels.add(String.valueOf(b & 0xff));
                }
                HttpRequest request = HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(pixels.toString())).build();
                Thread t = new Thread(() -> {
                    while (!stop.get()) {
                        try {
                            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
                            if (r.statusCode() == 200) {
                                ok.incrementAndGet();
                            } else {
                                failures.add(r.statusCode() + " " + r.body());
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

    private static JsonNode get(HttpClient http, String url) throws Exception {
        return JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(url + "/api/models")).GET().build(),
                HttpResponse.BodyHandlers.ofString()).body()).get(0);
    }

    private static String post(HttpClient http, String url, String json, int status) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(url + ": " + r.body()).isEqualTo(status);
        return r.body();
    }

    private static JsonNode waitFor(HttpClient http, String url, java.util.function.Predicate<JsonNode> done,
                                    Launcher.Background serve) throws Exception {
        long deadline = System.currentTimeMillis() + 300_000;
        JsonNode m = get(http, url);
        while (!done.test(m) && System.currentTimeMillis() < deadline) {
            Thread.sleep(500);
            m = get(http, url);
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
