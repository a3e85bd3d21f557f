package dev.digitlab.serve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.Chromium;
import dev.digitlab.ServerUnderTest;
import dev.digitlab.Slow;
import dev.digitlab.TestData;
import dev.digitlab.data.Digits;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
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
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The drawing page in a real headless Chromium (Debian's chromium and chromium-driver; nothing is downloaded):
 * draws stroke by stroke with the mouse, watches the guess and the bars, clears, uploads, sends feedback.
 * Screenshots go to target/screenshots/.
 */
@Slow // a browser
class DrawingPageBrowserTest {
    @TempDir
    static Path tmp;

    static PageUnderTest page;
    static ServerUnderTest server;
    static ChromeDriver browser;
    static WebDriverWait wait;

    @BeforeAll
    static void start() throws Exception {
        page = PageUnderTest.open(tmp, Duration.ofSeconds(20));
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

    static String guess() {
        return browser.findElement(By.id("guess")).getText();
    }

    static List<String> barWidths() {
        return browser.findElements(By.cssSelector("#bars .bar .fill")).stream()
                .map(e -> e.getAttribute("style")).toList();
    }

    static void settle() {
        wait.until(d -> ((Number) ((JavascriptExecutor) d).executeScript("return window.digitlab.pending()")).intValue() == 0);
        try {
            Thread.sleep(400); // the debounce window and the bar transition
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        wait.until(d -> ((Number) ((JavascriptExecutor) d).executeScript("return window.digitlab.pending()")).intValue() == 0);
    }

    /** Drags the mouse through the points, given in the pad's own 0-280 coordinates. */
    static void stroke(int[][] points) {
        WebElement pad = browser.findElement(By.id("pad"));
        double scale = pad.getSize().getWidth() / 280.0;
        int cx = pad.getSize().getWidth() / 2;
        int cy = pad.getSize().getHeight() / 2;
        Actions a = new Actions(browser).moveToElement(pad, (int) (points[0][0] * scale) - cx, (int) (points[0][1] * scale) - cy)
                .clickAndHold();
        for (int i = 1; i < points.length; i++) {
            int steps = 6;
            for (int s = 1; s <= steps; s++) {
                double x = points[i - 1][0] + (points[i][0] - points[i - 1][0]) * s / (double) steps;
                double y = points[i - 1][1] + (points[i][1] - points[i - 1][1]) * s / (double) steps;
                a.moveToElement(pad, (int) (x * scale) - cx, (int) (y * scale) - cy);
            }
        }
        a.release().perform();
    }

    static void screenshot(String name) throws Exception {
        Files.write(Chromium.SHOTS.resolve(name), ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
    }

    @Test
    void drawClearUploadAndSendFeedback() throws Exception {
        browser.get(page.url());
        wait.until(d -> d.findElements(By.cssSelector("#bars .bar")).size() == 10);
        assertThat(guess()).isEqualTo("?");

        stroke(new int[][] {{150, 50}, {145, 140}, {140, 235}}); // a one
        settle();
        assertThat(guess()).isEqualTo("1");
        List<String> afterOne = barWidths();
        assertThat(afterOne).anySatisfy(w -> assertThat(w).doesNotContain("width: 0"));
        screenshot("01-one.png");

        stroke(new int[][] {{80, 55}, {150, 50}}); // a top bar turns it into a seven
        settle();
        assertThat(barWidths()).isNotEqualTo(afterOne);
        assertThat(guess()).isEqualTo("7");
        screenshot("02-seven.png");

        browser.findElement(By.id("undo")).click();
        settle();
        assertThat(guess()).isEqualTo("1");

        browser.findElement(By.id("clear")).click();
        settle();
        assertThat(guess()).isEqualTo("?");
        assertThat(barWidths()).allSatisfy(w -> assertThat(w).contains("width: 0"));

        // Upload: a test-set digit, large, dark on a light background.
        Digits test = TestData.mnist().test();
        int index = 3; // a 0
        BufferedImage img = new BufferedImage(140, 140, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 140; y++) {
            for (int x = 0; x < 140; x++) {
                int v = 255 - test.pixel(index, y / 5, x / 5);
                img.setRGB(x, y, (v << 16) | (v << 8) | v);
            }
        }
        Path png = tmp.resolve("upload.png");
        ImageIO.write(img, "png", png.toFile());
        browser.findElement(By.id("upload")).sendKeys(png.toAbsolutePath().toString());
        wait.until(d -> !guess().equals("?"));
        settle();
        assertThat(guess()).isEqualTo(String.valueOf(test.label(index)));
        screenshot("03-upload.png");

        // "Wrong, it was a 6": the drawing and its label land in the feedback CSV.
        browser.findElement(By.cssSelector("#wrong-buttons button[data-label='6']")).click();
        wait.until(d -> d.findElement(By.id("feedback-status")).getText().contains("saved"));
        screenshot("04-feedback.png");
        List<String> rows = Files.readAllLines(tmp.resolve("feedback.csv"));
        assertThat(rows).hasSize(2);
        assertThat(rows.get(1)).startsWith("6,");
        assertThat(rows.get(1).split(",")).hasSize(785);
    }

    /**
     * "why?" on a drawn 7: the overlay appears, and the hottest pixels of its map (the page's default method, the
     * ink the answer rests on) lie on the stroke the model saw; the feature maps show every convolution's channels.
     */
    @Test
    void theWhyOverlayLightsUpTheStrokeAndFeatureMapsShowEveryLayer() throws Exception {
        browser.get(page.url());
        wait.until(d -> d.findElements(By.cssSelector("#bars .bar")).size() == 10);
        stroke(new int[][] {{70, 60}, {200, 55}});
        stroke(new int[][] {{200, 55}, {150, 150}, {120, 240}});
        settle();
        assertThat(guess()).isEqualTo("7");
        assertThat(browser.findElement(By.id("why-box")).isDisplayed()).isFalse();
        browser.findElement(By.id("why")).click();
        settle();
        wait.until(d -> d.findElement(By.id("why-box")).isDisplayed());
        @SuppressWarnings("unchecked")
        Map<String, Object> last = (Map<String, Object>) ((JavascriptExecutor) browser)
                .executeScript("return window.digitlab.last()");
        List<Number> seen = (List<Number>) last.get("seen");
        @SuppressWarnings("unchecked")
        List<Number> map = ((Map<String, List<Number>>) last.get("maps")).get("inputxgradient");
        Integer[] order = new Integer[784];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, (a, b) -> Double.compare(map.get(b).doubleValue(), map.get(a).doubleValue()));
        for (int k = 0; k < 20; k++) {
            assertThat(seen.get(order[k]).intValue()).as("hottest pixel %d (%d) is on the stroke", k, order[k]).isPositive();
        }
        screenshot("05-why.png");

        browser.findElement(By.id("features")).click();
        settle();
        wait.until(d -> d.findElement(By.id("feature-maps")).isDisplayed());
        assertThat(browser.findElements(By.cssSelector("#feature-maps h3"))).hasSize(3); // C1, C3, C5
        assertThat(browser.findElements(By.cssSelector("#feature-maps canvas"))).hasSize(6 + 16 + 120);
        screenshot("06-feature-maps.png");
    }
}
