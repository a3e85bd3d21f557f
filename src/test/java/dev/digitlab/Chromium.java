package dev.digitlab;

import java.nio.file.Files;
import java.nio.file.Path;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/** Debian's headless Chromium through its ChromeDriver, for the page tests; nothing is downloaded. */
public final class Chromium {
    /** Where page tests put their screenshots. */
    public static final Path SHOTS = Path.of("target", "screenshots");

    private Chromium() {}

    /** A browser with a fresh profile in {@code profile}, offline. */
    public static ChromeDriver start(Path profile) throws Exception {
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(Path.of("/usr/bin/chromedriver").toFile()).usingAnyFreePort().build();
        ChromeOptions options = new ChromeOptions().setBinary("/usr/bin/chromium").addArguments(
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + Files.createDirectories(profile), "--window-size=1100,900");
        Files.createDirectories(SHOTS);
        return new ChromeDriver(service, options);
    }
}
