package dev.digitlab.serve;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.interactions.PointerInput;
import org.openqa.selenium.interactions.Sequence;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The game in headless Chromium: a whole game of ten rounds, each digit drawn from an MNIST test image of the digit
 * asked for, stroke by stroke along its rows of ink, with the mouse, a pen and a finger in turn. The consent switch
 * starts off and is turned on halfway: only the later rounds reach the feedback file, each with the digit asked for.
 */
@Slow // a browser
class GameBrowserTest {
    @TempDir
    static Path tmp;
    static PageUnderTest page;
    static ServerUnderTest server;
    static ChromeDriver browser;
    static WebDriverWait wait;

    @BeforeAll
    static void start() throws Exception {
        page = PageUnderTest.open(tmp, Duration.ofSeconds(30));
        server = page.server();
        browser = page.browser();
        wait = page.waiter();
    }

    @AfterAll
    static void stop() {
        if (page != null) {
            page.close();
        }
    }

    @Test
    void aWholeGameWithMousePenAndTouch() throws Exception {
        JavascriptExecutor js = browser;
        browser.get(page.url());
        wait.until(d -> d.findElements(By.cssSelector("#bars .bar")).size() == 10);
        assertThat(browser.findElement(By.id("game")).isDisplayed()).isFalse();
        browser.findElement(By.id("play")).click();
        wait.until(d -> d.findElement(By.id("game")).isDisplayed());
        WebElement consent = browser.findElement(By.id("game-consent"));
        assertThat(consent.isSelected()).as("the consent switch starts off").isFalse();
        js.executeScript("document.getElementById('brush').value = 16");

        Digits test = TestData.mnist().test();
        List<Integer> asked = new ArrayList<>();
        PointerInput.Kind[] kinds = {PointerInput.Kind.MOUSE, PointerInput.Kind.PEN, PointerInput.Kind.TOUCH};
        for (int round = 0; round < 10; round++) {
            String roundText = "round " + (round + 1) + " of 10";
            wait.until(d -> d.findElement(By.id("game-round")).getText().equals(roundText));
            if (round == 5) {
                consent.click();
            }
            int digit = ((Number) js.executeScript("return window.digitlab.game().asking")).intValue();
            asked.add(digit);
            assertThat(browser.findElement(By.id("game-digit")).getText()).isEqualTo(String.valueOf(digit));
            draw(test, nth(test, digit, round), kinds[round % 3]);
            browser.findElement(By.id("game-done")).click();
            int done = round + 1;
            wait.until(d -> ((Number) js.executeScript("return window.digitlab.game().rounds.length")).intValue() == done);
            if (round == 0) {
                Files.write(Chromium.SHOTS.resolve("09-game-round.png"), browser.getScreenshotAs(OutputType.BYTES));
            }
        }
        assertThat(asked).as("every digit once").containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);

        wait.until(d -> d.findElement(By.id("game-end")).isDisplayed());
        wait.until(d -> d.findElements(By.cssSelector("#end-hardest canvas[title]")).size() == 3); // explained
        Files.write(Chromium.SHOTS.resolve("10-game-end.png"), ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> rounds = (List<Map<String, Object>>) js.executeScript("return window.digitlab.game().rounds");
        long read = rounds.stream().filter(r -> Boolean.TRUE.equals(r.get("read"))).count();
        assertThat(browser.findElement(By.id("end-score")).getText()).isEqualTo(read + " / 10");
        assertThat(read).as("MNIST digits drawn stroke by stroke are mostly read: " + rounds).isGreaterThanOrEqualTo(7);
        // each round's verdict is the model's answer to the drawing the round kept, as the API gives it
        for (Map<String, Object> r : rounds) {
            ServerUnderTest.Answer answer = server.postJson("/api/predict",
                    "{\"preprocess\": false, \"pixels\": " + r.get("seen") + "}");
            int label = answer.json().path("label").asInt(-1);
            assertThat(((Number) r.get("label")).intValue()).as(answer.body()).isEqualTo(label);
            assertThat(r.get("read")).isEqualTo(label == ((Number) r.get("digit")).intValue());
        }
        // the overlays are drawn, not blank
        Number ink = (Number) js.executeScript("return [...document.querySelectorAll('#end-hardest canvas')].map(c => "
                + "c.getContext('2d').getImageData(0, 0, 28, 28).data.reduce((s, v) => s + v, 0)).reduce((a, b) => Math.min(a, b))");
        assertThat(ink.longValue()).isPositive();

        List<String> rows = Files.readAllLines(tmp.resolve("feedback.csv"));
        assertThat(rows).as("only the rounds played with the switch on").hasSize(1 + 5);
        for (int k = 0; k < 5; k++) {
            assertThat(rows.get(1 + k)).startsWith(asked.get(5 + k) + ",");
        }
        assertThat(browser.findElement(By.id("end-time")).getText()).contains("5 of your drawings went to the feedback");

        // consent is given for one game: the next starts with the switch off
        browser.findElement(By.id("game-again")).click();
        wait.until(d -> d.findElement(By.id("game")).isDisplayed());
        assertThat(browser.findElement(By.id("game-consent")).isSelected()).isFalse();
        browser.findElement(By.id("game-stop")).click();
        wait.until(d -> !d.findElement(By.id("game")).isDisplayed());
        Thread.sleep(1000);
        assertThat(browser.findElement(By.id("game-end")).isDisplayed()).as("Stop cancels what was pending").isFalse();
    }

    /** The {@code k}-th test image of {@code digit}. */
    private static int nth(Digits test, int digit, int k) {
        for (int i = 0, seen = 0; i < test.size(); i++) {
            if (test.label(i) == digit && seen++ == k) {
                return i;
            }
        }
        throw new IllegalStateException("no " + k + "th " + digit);
    }

    /**
     * Draws test image {@code index} on the pad with one pointer of {@code kind}: a stroke along each run of ink in
     * each row, ten pad pixels to an image pixel.
     */
    private static void draw(Digits test, int index, PointerInput.Kind kind) {
        WebElement pad = browser.findElement(By.id("pad"));
        double scale = pad.getSize().getWidth() / 280.0;
        PointerInput pointer = new PointerInput(kind, kind.name().toLowerCase());
        Sequence strokes = new Sequence(pointer, 0);
        for (int y = 0; y < Digits.SIDE; y++) {
            for (int x = 0; x < Digits.SIDE; x++) {
                if (test.pixel(index, y, x) < 100) {
                    continue;
                }
                int from = x;
                while (x + 1 < Digits.SIDE && test.pixel(index, y, x + 1) >= 100) {
                    x++;
                }
                strokes.addAction(pointer.createPointerMove(Duration.ZERO, PointerInput.Origin.fromElement(pad),
                        offset(from, scale), offset(y, scale)));
                strokes.addAction(pointer.createPointerDown(PointerInput.MouseButton.LEFT.asArg()));
                strokes.addAction(pointer.createPointerMove(Duration.ofMillis(10), PointerInput.Origin.fromElement(pad),
                        offset(x, scale), offset(y, scale)));
                strokes.addAction(pointer.createPointerUp(PointerInput.MouseButton.LEFT.asArg()));
            }
        }
        browser.perform(List.of(strokes));
    }

    /** Where image pixel {@code i}'s centre lies, from the pad's centre (the element origin of pointer actions). */
    private static int offset(int i, double scale) {
        return (int) Math.round(((i + 0.5) * 10 - 140) * scale);
    }
}
