package dev.digitlab.serve;

import dev.digitlab.Chromium;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/** The drawing page served on the shipped lenet5, feedback into {@code tmp}, and a headless Chromium to look at it. */
record PageUnderTest(Server server, ChromeDriver browser, WebDriverWait waiter) implements AutoCloseable {

    static PageUnderTest open(Path tmp, Duration patience) throws Exception {
        Server server = new Server(new ModelPool(List.of(Path.of("models", "lenet5")), 2), tmp.resolve("feedback.csv"))
                .start("127.0.0.1", 0);
        try {
            ChromeDriver browser = Chromium.start(tmp.resolve("chromium-profile"));
            return new PageUnderTest(server, browser, new WebDriverWait(browser, patience));
        } catch (Exception | Error e) {
            server.close();
            throw e;
        }
    }

    String url() {
        return "http://127.0.0.1:" + server.port() + "/";
    }

    @Override
    public void close() {
        try {
            browser.quit();
        } finally {
            server.close();
        }
    }
}
