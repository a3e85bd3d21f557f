package dev.digitlab.serve;

import io.javalin.Javalin;
import io.javalin.http.HttpResponseException;
import io.javalin.http.staticfiles.Location;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.eclipse.jetty.http.BadMessageException;
import org.eclipse.jetty.server.ConnectionLimit;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * What the server and the training dashboard share: the web assets, Jetty's limits on connections, threads and slow
 * bodies, the same-origin rules, and answers in JSON for everything that goes wrong, including a
 * {@link java.lang.Error} such as running out of memory (one {@code digitlab:} line, never a stack trace or an empty
 * body).
 */
final class HttpSetup {
    /** Threads that finished their request wait this long for another before they end. */
    private static final int THREAD_IDLE_MS = 5_000;

    private HttpSetup() {}

    static Javalin create(Limits limits, SameOrigin origin) {
        Javalin app = Javalin.create(config -> {
            config.showJavalinBanner = false;
            config.http.maxRequestSize = Server.MAX_BODY;
            config.staticFiles.enableWebjars();
            config.staticFiles.add(s -> {
                s.hostedPath = "/";
                s.directory = "/web";
                s.location = Location.CLASSPATH;
            });
            QueuedThreadPool threads = new QueuedThreadPool(limits.maxThreads(), 8, THREAD_IDLE_MS);
            threads.setName("digitlab-http");
            // By default one idle thread ends per idle period: after a burst the pool would take minutes to shrink.
            threads.setMaxEvictCount(limits.maxThreads());
            config.jetty.threadPool = threads;
            // the body's rate is checked where it is read (Server.body), from when its thread starts reading
            config.jetty.modifyHttpConfiguration(http -> http.setDelayDispatchUntilContent(true));
            config.jetty.modifyServer(server -> server.addBean(new ConnectionLimit(limits.maxConnections(), server)));
            config.pvt.javaLangErrorHandler(HttpSetup::answerError);
        });
        app.before(origin::check);
        app.exception(BadRequest.class, (e, ctx) -> ctx.status(400).json(Map.of("error", e.getMessage())));
        app.exception(HttpResponseException.class, (e, ctx) -> ctx.status(e.getStatus()).json(Map.of("error", e.getMessage())));
        // Jetty's own refusals, a body that came too slowly (408) among them
        app.exception(BadMessageException.class, (e, ctx) -> ctx.status(e.getCode())
                .json(Map.of("error", e.getReason() == null ? "bad request" : e.getReason())));
        app.exception(Exception.class, (e, ctx) -> {
            System.err.println("digitlab: internal error on " + ctx.path() + ": " + e);
            ctx.status(500).json(Map.of("error", "internal error"));
        });
        app.error(405, ctx -> ctx.json(Map.of("error", "method " + ctx.method() + " not allowed on " + ctx.path())));
        return app;
    }

    /**
     * A handler ran out of memory or stack. The request that did it is answered (503 for memory, which frees when
     * the other requests end; 500 otherwise) and the server goes on.
     */
    static void answerError(HttpServletResponse res, Error e) {
        boolean memory = e instanceof OutOfMemoryError;
        System.err.println("digitlab: " + e.getClass().getSimpleName() + " while answering a request ("
                + (e.getMessage() == null ? "no detail" : e.getMessage()) + "); answered " + (memory ? 503 : 500));
        if (res.isCommitted()) {
            return;
        }
        try {
            res.resetBuffer();
            res.setStatus(memory ? 503 : 500);
            res.setContentType("application/json");
            res.getOutputStream().write(("{\"error\":\"" + (memory ? "out of memory; try again later" : "internal error")
                    + "\"}").getBytes(StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException ignored) {
            // the client is gone; the line above said what happened
        }
    }
}
