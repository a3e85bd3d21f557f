package dev.digitlab.serve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.ServerUnderTest;
import dev.digitlab.ServerUnderTest.Answer;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The training pages' event streams against clients that open many and walk away, and run ids that are not run ids:
 * a NUL, a path out of the folder, symbolic links to files and folders outside it. On serve and on the dashboard
 * that {@code train --dashboard} starts.
 */
class EventStreamAbuseTest {
    static final int MAX = 4;

    @TempDir
    static Path tmp;
    static Path runs;
    static ServerUnderTest server;
    static int port;

    @BeforeAll
    static void start() throws Exception {
        runs = tmp.resolve("runs");
        Files.createDirectories(runs.resolve("quiet"));
        Files.writeString(runs.resolve("quiet/events.jsonl"), "{\"type\":\"start\"}\n");
        Files.createDirectories(runs.resolve("done"));
        Files.writeString(runs.resolve("done/events.jsonl"), "{\"type\":\"start\"}\n{\"type\":\"epoch\"}\n{\"type\":\"finish\"}\n");
        Path outside = Files.createDirectories(tmp.resolve("outside/secret"));
        Files.writeString(outside.resolve("events.jsonl"), "{\"type\":\"start\",\"secret\":\"s3cr3t\"}\n");
        Files.createDirectories(runs.resolve("linked"));
        Files.createSymbolicLink(runs.resolve("linked/events.jsonl"), outside.resolve("events.jsonl"));
        Files.createSymbolicLink(runs.resolve("escape"), outside);
        server = ServerUnderTest.start(new Server(new ModelPool(List.of(Path.of("models", "lenet5")), 1), tmp.resolve("f.csv"),
                runs, Limits.DEFAULT.withMaxEventStreams(MAX)));
        port = server.port();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** Opens an event stream and reads its status line; the socket stays open. */
    static Socket stream(int port, String run) throws IOException {
        Socket s = new Socket("127.0.0.1", port);
        s.setSoTimeout(30_000);
        s.getOutputStream().write(("GET /api/runs/events?run=" + run + " HTTP/1.1\r\nHost: 127.0.0.1:" + port
                + "\r\nAccept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        return s;
    }

    static String statusLine(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        StringBuilder line = new StringBuilder();
        for (int c; (c = in.read()) >= 0 && c != '\n'; ) {
            line.append((char) c);
        }
        return line.toString().strip();
    }

    @Test
    void streamsBeyondTheCapGet503AndClosedOnesFreeTheirPlace() throws Exception {
        List<Socket> open = new ArrayList<>();
        int threadsBefore = Thread.activeCount();
        try {
            for (int i = 0; i < MAX; i++) {
                Socket s = stream(port, "quiet");
                open.add(s);
                assertThat(statusLine(s)).isEqualTo("HTTP/1.1 200 OK");
            }
            assertThat(Thread.activeCount() - threadsBefore).as("no thread per stream").isLessThan(MAX);
            Answer refused = server.get("/api/runs/events?run=quiet", "Accept", "text/event-stream");
            assertThat(refused.status()).isEqualTo(503);
            assertThat(refused.error()).contains(MAX + " event streams are open");
            assertThat(refused.header("Retry-After")).isPresent();
        } finally {
            for (Socket s : open) {
                s.close();
            }
        }
        // the clients went without a word: the heartbeat finds out, and their places come free
        boolean accepted = false;
        for (int i = 0; i < 60 && !accepted; i++) {
            try (Socket s = stream(port, "quiet")) {
                accepted = statusLine(s).equals("HTTP/1.1 200 OK");
            }
            if (!accepted) {
                Thread.sleep(500);
            }
        }
        assertThat(accepted).as("a stream is accepted again once the walked-away ones are noticed").isTrue();
    }

    @Test
    void aFinishedRunsStreamEndsByItself() throws Exception {
        try (Socket s = stream(port, "done")) {
            String all = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8); // returns at the close
            assertThat(all).startsWith("HTTP/1.1 200").contains("data: {\"type\":\"epoch\"}").endsWith("event: end\ndata: finished\n\n");
        }
    }

    /** As {@code train --dashboard} does: the last line is written, and the server stops at once. */
    @Test
    void stoppingTheServerSendsTheLastLinesThenEndsItsStreams() throws Exception {
        Path events = Files.createDirectories(runs.resolve("closing")).resolve("events.jsonl");
        Files.writeString(events, "{\"type\":\"start\"}\n");
        ServerUnderTest other = ServerUnderTest.start(new Server(new ModelPool(List.of(Path.of("models", "lenet5")), 1),
                tmp.resolve("g.csv"), runs));
        try (Socket s = stream(other.port(), "closing")) {
            assertThat(statusLine(s)).isEqualTo("HTTP/1.1 200 OK");
            String line = "";
            for (int i = 0; i < 20 && !line.equals("data: {\"type\":\"start\"}"); i++) {
                line = statusLine(s); // the stream is under way once its first line came
            }
            assertThat(line).isEqualTo("data: {\"type\":\"start\"}");
            Files.writeString(events, "{\"type\":\"finish\"}\n", java.nio.file.StandardOpenOption.APPEND);
            other.close();
            String rest = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8); // the close ends it
            assertThat(rest).endsWith("data: {\"type\":\"finish\"}\n\nevent: end\ndata: finished\n\n");
        } finally {
            other.close();
            Files.delete(events);
        }
    }

    @Test
    void badRunIdsAre400sAndLinksOutOfTheFolderAreNotFollowed() throws Exception {
        try (ServerUnderTest dashboard = ServerUnderTest.start(new Dashboard(runs))) {
            for (int p : List.of(port, dashboard.port())) {
                String host = "127.0.0.1:" + p;
                for (String bad : List.of("r1%00", "%00", "quiet%0d%0aX:%20y", "../outside/secret", "quiet/../../outside/secret", "")) {
                    Answer a = RawHttp.get(p, "/api/runs/events?run=" + bad, host);
                    assertThat(a.status()).as(bad).isEqualTo(400);
                    assertThat(a.error()).as(bad).startsWith("'run'");
                }
                for (String linked : List.of("linked", "escape", "escape/secret", "nope")) {
                    Answer a = RawHttp.get(p, "/api/runs/events?run=" + linked, host);
                    assertThat(a.status()).as(linked).isEqualTo(404);
                    assertThat(a.body()).as(linked).doesNotContain("s3cr3t");
                }
                Answer list = RawHttp.get(p, "/api/runs", host);
                assertThat(list.status()).isEqualTo(200);
                assertThat(list.json().findValuesAsText("id")).containsExactly("done", "quiet");
            }
        }
    }
}
