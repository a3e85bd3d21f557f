package dev.digitlab;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** {@code digitlab ARGS} as a separate JVM on the test class path, as a user's shell would start it. */
public final class Child {
    private Child() {}

    /** The command line: java, the class path, the launcher's system properties, then {@code args}. */
    public static List<String> command(List<String> jvmOptions, List<String> args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "-Dai.djl.offline=true"));
        cmd.addAll(jvmOptions);
        cmd.add("dev.digitlab.cli.Main");
        cmd.addAll(args);
        return cmd;
    }

    public static List<String> command(String... args) {
        return command(List.of(), List.of(args));
    }

    /**
     * Stops a process a test started as Ctrl+C would (SIGTERM, so its shutdown hooks run), forcibly if it has not
     * ended in 30 s, then whatever it started, by their ids: never anything the test did not start.
     */
    public static void stop(Process p) {
        List<ProcessHandle> children = p.descendants().toList();
        p.destroy();
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        children.forEach(ProcessHandle::destroyForcibly); // should any outlive it
    }
}
