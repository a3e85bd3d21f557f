package dev.digitlab.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.digitlab.DigitlabException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP path of fetch, against mirrors this test serves on 127.0.0.1: down, corrupt, broken, good. */
class FetcherTest {
    @TempDir
    Path dir;

    HttpServer server;
    String base;
    final AtomicInteger requests = new AtomicInteger();
    final List<String> log = new ArrayList<>();
    final byte[][] raw = {IdxFiles.images(6, 28, 28), IdxFiles.labels(6), IdxFiles.images(3, 28, 28), IdxFiles.labels(3)};
    final byte[][] gz = new byte[4][];
    Fetcher.Checksums sums;

    @BeforeEach
    void serve() throws IOException {
        String[] rawMd5 = new String[4];
        String[] gzMd5 = new String[4];
        for (int i = 0; i < 4; i++) {
            gz[i] = IdxFiles.gzip(raw[i]);
            rawMd5[i] = md5(raw[i]);
            gzMd5[i] = md5(gz[i]);
        }
        sums = new Fetcher.Checksums() {
            public String rawMd5(int file) {
                return rawMd5[file];
            }

            public String gzMd5(int file) {
                return gzMd5[file];
            }
        };
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            requests.incrementAndGet();
            String[] parts = exchange.getRequestURI().getPath().split("/");
            String mirror = parts[1];
            int file = Dataset.FILES.indexOf(parts[2].replace(".gz", ""));
            byte[] body = file < 0 ? new byte[0] : gz[file].clone();
            switch (mirror) {
                case "good" -> {
                    exchange.sendResponseHeaders(200, body.length);
                    try (OutputStream out = exchange.getResponseBody()) {
                        out.write(body);
                    }
                }
                case "corrupt" -> {
                    body[body.length / 2] ^= 0x55;
                    exchange.sendResponseHeaders(200, body.length);
                    try (OutputStream out = exchange.getResponseBody()) {
                        out.write(body);
                    }
                }
                case "bomb" -> { // 80 MB of zeros in a small gzip
                    byte[] bomb = IdxFiles.gzip(new byte[80 << 20]);
                    exchange.sendResponseHeaders(200, bomb.length);
                    try (OutputStream out = exchange.getResponseBody()) {
                        out.write(bomb);
                    }
                }
                case "broken" -> {
                    exchange.sendResponseHeaders(200, body.length);
                    OutputStream out = exchange.getResponseBody();
                    out.write(body, 0, body.length / 2);
                    out.flush();
                    exchange.getHttpContext().getServer(); // keep the reference; the connection is cut below
                    exchange.close();
                }
                default -> {
                    exchange.sendResponseHeaders(404, -1);
                    exchange.close();
                }
            }
        });
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort() + "/";
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    static String md5(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(bytes));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static String downMirror() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return "http://127.0.0.1:" + s.getLocalPort() + "/"; // nothing listens here once closed
        }
    }

    Fetcher fetcher(String... mirrors) {
        List<Fetcher.Source> sources = Stream.of(mirrors).map(m -> (Fetcher.Source) new Fetcher.HttpMirror(m)).toList();
        return new Fetcher("test", sums, sources, log::add);
    }

    List<String> leftovers() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".part")).toList();
        }
    }

    void assertAllFourInPlace() throws IOException {
        for (int i = 0; i < 4; i++) {
            assertThat(Files.readAllBytes(dir.resolve(Dataset.FILES.get(i)))).isEqualTo(raw[i]);
        }
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void goodMirrorDeliversCheckedRawFiles() throws IOException {
        String from = fetcher(base + "good").fetch(dir);
        assertAllFourInPlace();
        assertThat(from).isEqualTo(base + "good/");
        assertThat(Files.readString(dir.resolve("SOURCE"))).contains(base + "good/");
        assertThat(Fetcher.isComplete(dir)).isTrue();
    }

    @Test
    void aMirrorThatGzipsTheFilesItsOwnWayIsAsGoodAsTheOriginals() throws IOException {
        for (int i = 0; i < 4; i++) {
            gz[i] = IdxFiles.gzip(raw[i]);
            gz[i][4] ^= 0x01; // the header's modification time: another .gz (and MD5) than the published one, same content
        }
        fetcher(base + "good").fetch(dir);
        assertAllFourInPlace();
    }

    @Test
    void downCorruptAndBrokenMirrorsFallThroughToTheNext() throws IOException {
        String down = downMirror();
        fetcher(down, base + "corrupt", base + "broken", base + "good").fetch(dir);
        assertAllFourInPlace();
        assertThat(log).anySatisfy(l -> assertThat(l).contains(down).contains("ConnectException"));
        assertThat(log).anySatisfy(l -> assertThat(l).contains("corrupt").contains("checksum mismatch"));
        assertThat(log).anySatisfy(l -> assertThat(l).contains("broken/").contains("train-images"));
        // an unreachable mirror is asked once, not once per file
        assertThat(log.stream().filter(l -> l.contains(down))).hasSize(1);
    }

    @Test
    void aGzipBombStopsUnpackingAtTheLargestMnistFileAndTheNextMirrorServes() throws IOException {
        fetcher(base + "bomb", base + "good").fetch(dir);
        assertAllFourInPlace();
        assertThat(log).anySatisfy(l -> assertThat(l).contains("bomb/").contains("unpacks to more than"));
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void whenEverySourceFailsNothingIsLeftBehind() throws IOException {
        assertThatThrownBy(() -> fetcher(base + "corrupt", base + "broken", base + "missing").fetch(dir))
                .isInstanceOf(DigitlabException.class)
                .hasMessageContaining("could not fetch train-images-idx3-ubyte for test from any source")
                .hasMessageContaining("corrupt/").hasMessageContaining("broken/").hasMessageContaining("HTTP 404");
        assertThat(Files.exists(dir.resolve(Dataset.FILES.get(0)))).isFalse();
        assertThat(leftovers()).isEmpty();
        assertThat(Fetcher.isComplete(dir)).isFalse();
    }

    @Test
    void filesAlreadyInPlaceAreKeptAndBadOnesReplaced() throws IOException {
        fetcher(base + "good").fetch(dir);
        int before = requests.get();
        fetcher(base + "good").fetch(dir);
        assertThat(requests.get()).isEqualTo(before);
        Files.write(dir.resolve(Dataset.FILES.get(1)), new byte[] {1, 2, 3});
        fetcher(base + "good").fetch(dir);
        assertThat(requests.get()).isEqualTo(before + 1);
        assertAllFourInPlace();
    }

    @Test
    void localFolderOfGzippedFiles() throws IOException {
        Path system = Files.createDirectory(dir.resolve("system"));
        for (int i = 0; i < 4; i++) {
            Files.write(system.resolve(Dataset.FILES.get(i) + ".gz"), gz[i]);
        }
        Path target = dir.resolve("cache");
        new Fetcher("test", sums, List.of(new Fetcher.LocalDirSource(system)), log::add).fetch(target);
        for (int i = 0; i < 4; i++) {
            assertThat(Files.readAllBytes(target.resolve(Dataset.FILES.get(i)))).isEqualTo(raw[i]);
        }
    }
}
