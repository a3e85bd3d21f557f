package dev.digitlab;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.digitlab.serve.Dashboard;
import dev.digitlab.serve.Server;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A server for a test, in the shape of Javalin's own JavalinTest: started (digitlab's Server or Dashboard in this
 * JVM, or a process that says where it listens), called over HTTP/1.1 on 127.0.0.1, and stopped by {@link #close},
 * which stops exactly what was started here: that Server or Dashboard, or that Process and the processes it started.
 * Held in try-with-resources or closed in {@code @AfterAll}, it is stopped when a test fails too. Requests a normal
 * client cannot send (a forged Host, a body that trickles in) go over a socket of the test's own.
 */
public final class ServerUnderTest implements AutoCloseable {
    /** How a digitlab process says where it listens: serve's "... at http://HOST:PORT/", train's "dashboard at ...". */
    private static final Pattern ADDRESS = Pattern.compile("at http://[^/\\s]+:(\\d+)/");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final int port;
    private final Process process;
    private final List<String> output;
    private final Thread reader;
    private final AutoCloseable stop;
    // one client per server: no pooled connection outlives the server it went to
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private ServerUnderTest(int port, Process process, List<String> output, Thread reader, AutoCloseable stop) {
        this.port = port;
        this.process = process;
        this.output = output;
        this.reader = reader;
        this.stop = stop;
    }

    /** {@code server} started on a free port of 127.0.0.1. */
    public static ServerUnderTest start(Server server) {
        server.start("127.0.0.1", 0);
        return new ServerUnderTest(server.port(), null, List.of(), null, server::close);
    }

    /** The same, closing connections idle for {@code idleTimeoutMs}. */
    public static ServerUnderTest start(Server server, long idleTimeoutMs) {
        server.start("127.0.0.1", 0, idleTimeoutMs);
        return new ServerUnderTest(server.port(), null, List.of(), null, server::close);
    }

    /** {@code train --dashboard}'s server, started on a free port of 127.0.0.1. */
    public static ServerUnderTest start(Dashboard dashboard) {
        return new ServerUnderTest(dashboard.start("127.0.0.1", 0), null, List.of(), null, dashboard::close);
    }

    /** {@code digitlab ARGS} as a child JVM ({@link Child}), its standard error merged into its output. */
    public static ServerUnderTest child(String... args) throws IOException {
        return start("digitlab " + String.join(" ", args),
                new ProcessBuilder(Child.command(args)).redirectErrorStream(true), Duration.ofMinutes(3));
    }

    /**
     * Starts {@code command} ({@code name} in messages), a process that says on its standard output where it
     * listens, and waits up to {@code patience} for it to say so. Its output is read line by line as it comes
     * ({@link #output}), so a full pipe never blocks it. One that ends or keeps quiet is stopped, and the test fails
     * with what it printed (and its standard error, when that goes to a file).
     */
    public static ServerUnderTest start(String name, ProcessBuilder command, Duration patience) throws IOException {
        Process p = command.start();
        List<String> output = new CopyOnWriteArrayList<>();
        CompletableFuture<Integer> port = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader lines = p.inputReader(StandardCharsets.UTF_8)) {
                for (String line; (line = lines.readLine()) != null; ) {
                    output.add(line);
                    Matcher m = ADDRESS.matcher(line);
                    if (m.find()) {
                        port.complete(Integer.parseInt(m.group(1)));
                    }
                }
            } catch (IOException e) {
                // the process is gone
            }
            port.complete(-1);
        }, "output of " + name);
        reader.setDaemon(true);
        reader.start();
        try {
            int at = port.get(patience.toMillis(), TimeUnit.MILLISECONDS);
            if (at > 0) {
                return new ServerUnderTest(at, p, output, reader, () -> Child.stop(p));
            }
        } catch (TimeoutException | ExecutionException e) {
            // said below
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Child.stop(p);
        File err = command.redirectError().file();
        throw new AssertionError(name + " ended without saying where it listens, or took over " + patience.toSeconds()
                + " s:\n" + String.join("\n", output) + (err == null ? "" : "\n--- stderr\n" + Files.readString(err.toPath())));
    }

    public int port() {
        return port;
    }

    /** http://127.0.0.1:PORT, to which a path is added. */
    public String url() {
        return "http://127.0.0.1:" + port;
    }

    /** The process started here; none for a server in this JVM. */
    public Process process() {
        if (process == null) {
            throw new IllegalStateException("this server runs in the test's JVM");
        }
        return process;
    }

    /** The lines the process has printed so far (none for a server in this JVM). */
    public List<String> output() {
        return output;
    }

    /** Waits up to {@code patience} for the process to end and its output to be read to its last line; whether both did. */
    public boolean awaitEnd(Duration patience) throws InterruptedException {
        long deadline = System.nanoTime() + patience.toNanos();
        if (!process().waitFor(patience.toNanos(), TimeUnit.NANOSECONDS)) {
            return false;
        }
        reader.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        return !reader.isAlive();
    }

    /** GET {@code path}, with {@code headers} as name, value, name, value... */
    public Answer get(String path, String... headers) {
        return send(request(path, headers).GET());
    }

    /** POST {@code body} as {@code type}; a null type sends no Content-Type, as a careless client would. */
    public Answer post(String path, String type, byte[] body, String... headers) {
        HttpRequest.Builder b = request(path, headers).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        return send(type == null ? b : b.header("Content-Type", type));
    }

    public Answer postJson(String path, String json, String... headers) {
        return post(path, "application/json", json.getBytes(StandardCharsets.UTF_8), headers);
    }

    private HttpRequest.Builder request(String path, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url() + path));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return b;
    }

    private Answer send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(r.statusCode(), r.headers().map(), r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Stops what was started here: the server, or the process and its children. */
    @Override
    public void close() {
        try {
            stop.close();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A whole answer: the status code, the headers, the body. */
    public record Answer(int status, Map<String, List<String>> headers, String body) {
        /** The first value of header {@code name}, whatever its case. */
        public Optional<String> header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name) && !e.getValue().isEmpty())
                    .map(e -> e.getValue().get(0)).findFirst();
        }

        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (JsonProcessingException e) {
                throw new AssertionError("not JSON (status " + status + "): " + body, e);
            }
        }

        /** The JSON error message digitlab answers a failed request with; null if there is none. */
        public String error() {
            JsonNode e = json().get("error");
            return e == null ? null : e.asText();
        }

        /** This answer, after checking that its status is {@code expected}. */
        public Answer expect(int expected) {
            assertThat(status).as("status; body: %s", body).isEqualTo(expected);
            return this;
        }
    }
}
