package dev.digitlab.serve;

import dev.digitlab.Chromium;
import dev.digitlab.ServerUnderTest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/** The drawing page served on the shipped lenet5, feedback into {@code tmp}, and a headless Chromium to look at it. */
record PageUnderTest(ServerUnderTest server, ChromeDriver browser, WebDriverWait waiter) implements AutoCloseable {

    static PageUnderTest open(Path tmp, Duration patience) throws Exception {
        ServerUnderTest server = ServerUnderTest.start(new Server(new ModelPool(List.of(Path.of("models", "lenet5")), 2),
                tmp.resolve("feedback.csv")));
        try {
            ChromeDriver browser = Chromium.start(tmp.resolve("chromium-profile"));
            return new PageUnderTest(server, browser, new WebDriverWait(browser, patience));
        } catch (Exception | Error e) {
            server.close();
            throw e;
        }
    }

    String url() {
        return server.url() + "/";
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
