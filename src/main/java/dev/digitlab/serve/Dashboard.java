package dev.digitlab.serve;

import io.javalin.Javalin;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code train --dashboard}: the training page alone, for the run being trained, on 127.0.0.1. If the port is taken
 * the training goes on without it; {@link #start} says why it could not. The same limits and same-origin rules as
 * {@code serve}.
 */
public final class Dashboard implements AutoCloseable {
    private final Javalin app;
    private final SameOrigin origin;
    private final TrainingPages pages;

    public Dashboard(Path runsRoot) {
        this(runsRoot, List.of());
    }

    /** {@code allowedHosts}: names besides 127.0.0.1 and localhost that the page may be reached by. */
    public Dashboard(Path runsRoot, List<String> allowedHosts) {
        Limits limits = Limits.DEFAULT.withAllowedHosts(allowedHosts);
        this.origin = new SameOrigin(limits.allowedHosts());
        this.app = HttpSetup.create(limits, origin);
        this.pages = new TrainingPages(runsRoot, limits.maxEventStreams());
        pages.register(app);
        // the dashboard's own address is its page; the drawing page's files are there too, for serve's
        app.before("/", ctx -> {
            ctx.redirect(PAGE + (ctx.queryString() == null ? "" : "?" + ctx.queryString()));
            ctx.skipRemainingHandlers();
        });
    }

    /** The training page, where "/" leads. */
    public static final String PAGE = "/training.html";

    /** Starts on {@code host:port}; returns the port. */
    public int start(String host, int port) {
        origin.listening(host, port);
        app.start(host, port);
        origin.listening(host, app.port());
        return app.port();
    }

    @Override
    public void close() {
        pages.close();
        app.stop();
    }
}
