package dev.digitlab.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.digitlab.Slow;
import dev.digitlab.data.DataFolder;
import dev.digitlab.data.Dataset;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** fetch, data info, data show and summary as the README and USAGE.md show them. */
@Slow // ./digitlab as child processes
class DataIT {
    @TempDir
    Path work;

    static Path mnist() {
        Path dir = DataFolder.defaultDir(Dataset.MNIST);
        DataFolder.ensure(Dataset.MNIST, dir, List.of(), System.err::println);
        return dir;
    }

    /** --mirror against a mirror of this test's own on 127.0.0.1, serving the cache's files gzipped here. */
    @Test
    void fetchFromAMirrorThenLookAtTheData() throws Exception {
        Path cache = mnist();
        Map<String, byte[]> files = new HashMap<>();
        for (String name : Dataset.FILES) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (OutputStream gz = new GZIPOutputStream(bytes)) {
                Files.copy(cache.resolve(name), gz);
            }
            files.put("/mnist/" + name + ".gz", bytes.toByteArray());
        }
        HttpServer mirror = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        mirror.createContext("/", exchange -> {
            byte[] body = files.get(exchange.getRequestURI().getPath());
            exchange.sendResponseHeaders(body == null ? 404 : 200, body == null ? -1 : body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                if (body != null) {
                    out.write(body);
                }
            }
        });
        mirror.start();
        Launcher digitlab = new Launcher(Launcher.projectRoot(), work);
        String url = "http://127.0.0.1:" + mirror.getAddress().getPort() + "/mnist/";
        try {
            Launcher.Run fetch = digitlab.run("fetch", "--mirror", url, "--data-dir", "data").ok();
            assertThat(fetch.out()).contains("mnist is in data (from " + url + ")");
        } finally {
            mirror.stop(0);
        }
        for (String name : Dataset.FILES) {
            assertThat(Files.mismatch(work.resolve("data").resolve(name), cache.resolve(name))).as(name).isEqualTo(-1L);
        }

        Launcher.Run info = digitlab.run("data", "info", "--data-dir", "data").ok();
        assertThat(info.find("images: +(\\d+ train, \\d+ test)")).isEqualTo("60000 train, 10000 test");
        assertThat(info.find("pixel mean: +(\\S+)")).isEqualTo("0.1307");
        assertThat(info.find("\\n0 +(\\d+ +[\\d.]+% +\\d+)")).matches("5923 +9\\.87% +980"); // class 0, train and test

        Launcher.Run show = digitlab.run("data", "show", "--data-dir", "data", "--split", "test", "--count", "16", "--out", "grid.png").ok();
        assertThat(show.out()).contains("wrote 16 test images to grid.png");
        var grid = ImageIO.read(work.resolve("grid.png").toFile());
        assertThat(grid.getWidth()).isGreaterThanOrEqualTo(4 * 28);
        assertThat(grid.getHeight()).isGreaterThanOrEqualTo(4 * 28);
    }

    @Test
    void summaryCountsTheParametersTheDocsState() {
        Launcher digitlab = new Launcher(Launcher.projectRoot(), work);
        // docs/USAGE.md's model table: trainable parameters, and BatchNorm's running statistics besides
        assertThat(digitlab.run("summary", "lenet5").ok().find("\nTrainable params: ([\\d,]+)")).isEqualTo("61,706");
        Launcher.Run best = digitlab.run("summary", "best").ok();
        assertThat(best.find("\nTrainable params: ([\\d,]+)")).isEqualTo("326,410");
        assertThat(best.find("\nNon-trainable params: (\\d+)")).isEqualTo("832");
    }
}
