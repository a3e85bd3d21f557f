package dev.digitlab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;

/** Ports for what the tests start (debug agents, dashboards, Spark masters and workers). */
public final class Ports {
    private Ports() {}

    /** A port free on this machine now (another process may still take it before the test's child binds it). */
    public static int free() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
