package dev.digitlab.serve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.Child;
import dev.digitlab.Chromium;
import dev.digitlab.Ports;
import dev.digitlab.ServerUnderTest;
import dev.digitlab.ServerUnderTest.Answer;
import dev.digitlab.Slow;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * {@code train --dashboard} as a user runs it: a training process, its page in a real headless Chromium. The loss
 * chart gains points while the run goes on, and the epoch table ends with the run's final epoch line. With the port
 * taken, the training still runs and says where the dashboard could not start. The test stops the processes it
 * started, also when it fails.
 */
@Slow // a browser and training child processes
class TrainingDashboardTest {
    @TempDir
    static Path tmp;
    static ChromeDriver browser;

    @BeforeAll
    static void browser() throws Exception {
        browser = Chromium.start(tmp.resolve("profile"));
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
    }

    /** Starts {@code digitlab train ARGS}; its output lines are collected as they come. */
    static Process train(List<String> out, String... args) throws Exception {
        Process p = new ProcessBuilder(Child.command(args)).redirectErrorStream(true).start();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
                for (String line; (line = r.readLine()) != null; ) {
                    out.add(line);
                }
            } catch (IOException ignored) {
                // the process ended
            }
        });
        reader.setDaemon(true);
        reader.start();
        return p;
    }

    @Test
    void theLossChartGrowsWhileTrainingRunsAndTheTableEndsWithTheFinalEpoch() throws Exception {
        int port = Ports.free();
        Path run = tmp.resolve("runs/live");
        try (ServerUnderTest training = ServerUnderTest.child("train", "--model", "lenet5", "--limit", "24000", "--epochs", "4",
                "--batch-size", "64", "--no-progress", "--out", run.toString(), "--dashboard", String.valueOf(port))) {
            List<String> out = training.output();
            assertThat(out).anyMatch(l -> l.contains("dashboard at http://127.0.0.1:" + port));
            WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(120));
            browser.get(training.url() + "/training.html?run=live");
            JavascriptExecutor js = browser;
            wait.until(d -> ((Number) js.executeScript("return window.digitlab.points()")).intValue() > 0);
            int early = ((Number) js.executeScript("return window.digitlab.points()")).intValue();
            boolean finishedEarly = (Boolean) js.executeScript("return window.digitlab.finished()");
            wait.until(d -> ((Number) js.executeScript("return window.digitlab.points()")).intValue() > early + 5);
            assertThat(finishedEarly).as("the run was still going when the first points came").isFalse();
            Files.write(Chromium.SHOTS.resolve("07-training-live.png"), browser.getScreenshotAs(OutputType.BYTES));
            wait.until(d -> (Boolean) js.executeScript("return window.digitlab.finished()"));
            assertThat(training.awaitEnd(Duration.ofMinutes(2))).isTrue();
            assertThat(training.process().exitValue()).as(String.join("\n", out)).isZero();
            String finalLine = out.stream().filter(l -> l.contains("epoch 4/4")).findFirst().orElseThrow()
                    .replaceFirst("^digitlab: ", "");
            @SuppressWarnings("unchecked")
            List<String> rows = (List<String>) js.executeScript("return window.digitlab.rows()");
            assertThat(rows).hasSize(4);
            String lines = (String) js.executeScript("return window.digitlab.lines()");
            assertThat(lines.strip().lines().reduce((a, b) -> b).orElseThrow()).isEqualTo(finalLine);
            assertThat(rows.get(3)).startsWith("4");
            Files.write(Chromium.SHOTS.resolve("08-training-done.png"), browser.getScreenshotAs(OutputType.BYTES));
        }
    }

    @Test
    void aTakenPortLeavesTrainingRunningAndSaysSo() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            List<String> out = new CopyOnWriteArrayList<>();
            Process p = train(out, "train", "--model", "mlp", "--limit", "600", "--epochs", "1", "--no-progress",
                    "--out", tmp.resolve("runs/blocked").toString(), "--dashboard", String.valueOf(taken.getLocalPort()));
            try {
                assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
                assertThat(p.exitValue()).as(String.join("\n", out)).isZero();
                assertThat(out).anyMatch(l -> l.startsWith("digitlab: the dashboard could not start on 127.0.0.1:"
                        + taken.getLocalPort()) && l.endsWith("training goes on without it"));
                assertThat(out).anyMatch(l -> l.startsWith("test loss"));
            } finally {
                Child.stop(p);
            }
        }
    }

    @Test
    void servesTrainingPageListsRunsAndExperimentsVariants() throws Exception {
        Path root = tmp.resolve("listed");
        for (String run : List.of("lenet5", "experiments/ladder/vanilla/run-1", "experiments/ladder/vanilla/run-2")) {
            Files.createDirectories(root.resolve(run));
            Files.writeString(root.resolve(run).resolve("events.jsonl"), "{\"type\":\"start\"}\n{\"type\":\"epoch\"}\n"
                    + (run.endsWith("2") ? "" : "{\"type\":\"finish\"}\n"));
        }
        try (ServerUnderTest server = ServerUnderTest.start(new Server(new ModelPool(List.of(Path.of("models/lenet5")), 1),
                tmp.resolve("f.csv"), root))) {
            String json = server.get("/api/runs").body();
            assertThat(json).contains("\"id\":\"lenet5\"", "\"id\":\"experiments/ladder/vanilla/run-1\"",
                    "\"group\":\"experiments/ladder/vanilla\"", "\"status\":\"finished\"", "\"status\":\"running\"");
            Answer page = server.get("/training.html");
            assertThat(page.body()).contains("webjars/chart.js/4.4.7/dist/chart.umd.js").doesNotContain("https://");
        }
    }

    @Test
    void theDashboardsOwnAddressIsItsPage() throws Exception {
        try (ServerUnderTest dashboard = ServerUnderTest.start(new Dashboard(tmp.resolve("none")))) {
            Answer home = dashboard.get("/?run=r1");
            assertThat(home.status()).isEqualTo(302);
            assertThat(home.header("Location")).hasValueSatisfying(l -> assertThat(l).endsWith(Dashboard.PAGE + "?run=r1"));
            Answer other = dashboard.get(Dashboard.PAGE);
            assertThat(other.status()).isEqualTo(200);
        }
    }
}
