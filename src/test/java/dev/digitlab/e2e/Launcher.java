package dev.digitlab.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.digitlab.Child;
import dev.digitlab.ServerUnderTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * {@code ./digitlab ARGS} run as a user runs it: the launcher of the built tree, as a child process, in a working
 * folder of the test's own. DJL's caches point at an empty folder of this JVM's, so nothing relies on a libtorch a
 * previous run unpacked into ~/.djl.ai.
 */
public final class Launcher {
    /** One per test JVM: the first command unpacks libtorch from target/lib into it, the others reuse it. */
    private static Path djlCache;

    private final Path root;
    private final Path workDir;
    private final AtomicInteger runs = new AtomicInteger();

    /** {@code root}: the project folder holding the launcher; {@code workDir}: where the commands run. */
    public Launcher(Path root, Path workDir) {
        this.root = root.toAbsolutePath().normalize();
        this.workDir = workDir;
    }

    /** The project folder: where Maven runs this module's tests from, or the folder above it for a module of the project. */
    public static Path projectRoot() {
        Path here = Path.of("").toAbsolutePath();
        return Files.isRegularFile(here.resolve("digitlab")) ? here : here.getParent();
    }

    public Path root() {
        return root;
    }

    public Path workDir() {
        return workDir;
    }

    /** A model that ships in the project's models/ (best, lenet5), by its path, since the commands run elsewhere. */
    public String shipped(String name) {
        return root.resolve("models").resolve(name).toString();
    }

    /** What one command printed and how it ended. */
    public record Run(List<String> args, int exitCode, String out, String err) {
        /** Exit code 0 and a standard error of digitlab's own lines only, the launcher not rebuilding anything. */
        public Run ok() {
            assertThat(exitCode).as("exit code of ./digitlab %s\n--- stdout\n%s--- stderr\n%s", String.join(" ", args), out, err)
                    .isZero();
            assertCleanStandardError(String.join(" ", args), err);
            return this;
        }

        /** Group 1 of the first match of {@code regex} in standard output. */
        public String find(String regex) {
            Matcher m = Pattern.compile(regex).matcher(out);
            if (!m.find()) {
                fail("./digitlab %s: no '%s' in its output:\n%s", String.join(" ", args), regex, out);
            }
            return m.group(1);
        }
    }

    public static void assertCleanStandardError(String what, String err) {
        List<String> lines = err.lines().toList();
        assertThat(lines).as("standard error of ./digitlab %s:\n%s", what, err)
                .allSatisfy(l -> assertThat(l).startsWith("digitlab: ").doesNotStartWith("digitlab: error")
                        .doesNotStartWith("digitlab: building")); // a rebuild would test other code than the build's
    }

    public Run run(String... args) {
        int n = runs.incrementAndGet();
        Path out = logFile(n, "out");
        Path err = logFile(n, "err");
        Process p = start(List.of(args), out, err);
        try {
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                Child.stop(p);
                fail("./digitlab %s did not finish in 10 minutes", String.join(" ", args));
            }
            return new Run(List.of(args), p.exitValue(), Files.readString(out), Files.readString(err));
        } catch (InterruptedException e) {
            Child.stop(p);
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** How long a server may take to say where it listens: libtorch's first start on a loaded 2-core machine. */
    private static final Duration START_PATIENCE = Duration.ofMinutes(3);

    /** A command that keeps running (serve): started, its address read from its output; close() stops it. */
    public Background serve(String... args) throws IOException {
        int n = runs.incrementAndGet();
        Path err = logFile(n, "err");
        ServerUnderTest server = ServerUnderTest.start("./digitlab " + String.join(" ", args), builder(List.of(args), null, err),
                START_PATIENCE);
        return new Background(List.of(args), server.process(), err, server);
    }

    /** A command started in the background (to be killed in the middle, say); close() stops it. */
    public Background start(String... args) {
        int n = runs.incrementAndGet();
        Path err = logFile(n, "err");
        return new Background(List.of(args), start(List.of(args), logFile(n, "out"), err), err, null);
    }

    /** A running command, stopped by the process id this launcher started, and everything it started. */
    public static final class Background implements AutoCloseable {
        private final List<String> args;
        private final Process process;
        private final Path err;
        private final ServerUnderTest server;

        Background(List<String> args, Process process, Path err, ServerUnderTest server) {
            this.args = args;
            this.process = process;
            this.err = err;
            this.server = server;
        }

        /** The server a {@link #serve} started, to call. */
        public ServerUnderTest server() {
            if (server == null) {
                throw new IllegalStateException("./digitlab " + String.join(" ", args) + " was started, not served");
            }
            return server;
        }

        public String url() {
            return server().url();
        }

        public long pid() {
            return process.pid();
        }

        public boolean alive() {
            return process.isAlive();
        }

        /** What it has written to standard error so far. */
        public String err() throws IOException {
            return Files.readString(err);
        }

        /** Kills it at once (SIGKILL), as a crash or an out-of-memory kill would, and waits for it to be gone. */
        public void kill() throws InterruptedException {
            List<ProcessHandle> children = process.descendants().toList();
            process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            children.forEach(ProcessHandle::destroyForcibly);
        }

        /** Stops it as Ctrl+C would (SIGTERM, so its shutdown hook closes the server), forcibly if it hangs. */
        @Override
        public void close() {
            Child.stop(process);
        }

        /** Stops it and checks what it printed on the way. */
        public void stopAndCheck() throws IOException {
            close();
            assertCleanStandardError(String.join(" ", args), err());
        }
    }

    private Process start(List<String> args, Path out, Path err) {
        try {
            return builder(args, out, err).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private ProcessBuilder builder(List<String> args, Path out, Path err) {
        List<String> cmd = new ArrayList<>(List.of(root.resolve("digitlab").toString()));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile()).redirectError(err.toFile());
        if (out != null) {
            pb.redirectOutput(out.toFile());
        }
        Map<String, String> env = pb.environment();
        env.remove("DIGITLAB_JAR"); // the build under test, not another
        env.put("DJL_CACHE_DIR", djlCache().toString());
        env.put("ENGINE_CACHE_DIR", djlCache().toString());
        return pb;
    }

    private Path logFile(int n, String stream) {
        try {
            Path dir = Files.createDirectories(workDir.resolve(".launcher"));
            return dir.resolve(n + "." + stream);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static synchronized Path djlCache() {
        if (djlCache == null) {
            try {
                djlCache = Files.createTempDirectory("digitlab-e2e-djl");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Path dir = djlCache;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir)));
        }
        return djlCache;
    }

    static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary folder left behind is harmless
        }
    }
}
