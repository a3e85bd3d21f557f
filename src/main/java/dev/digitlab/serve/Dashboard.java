package dev.digitlab.serve;

import io.javalin.Javalin;
import io.javalin.http.staticfiles.Location;
import java.nio.file.Path;

/**
 * {@code train --dashboard}: the training page alone, for the run being trained, on 127.0.0.1. If the port is taken
 * the training goes on without it; {@link #start} says why it could not.
 */
public final class Dashboard implements AutoCloseable {
    private final Javalin app;

    public Dashboard(Path runsRoot) {
        this.app = Javalin.create(config -> {
            config.showJavalinBanner = false;
            config.http.maxRequestSize = Server.MAX_BODY;
            config.staticFiles.enableWebjars();
            config.staticFiles.add(s -> {
                s.hostedPath = "/";
                s.directory = "/web";
                s.location = Location.CLASSPATH;
            });
        });
        new TrainingPages(runsRoot).register(app);
    }

    /** Starts on {@code host:port}; returns the port. */
    public int start(String host, int port) {
        app.start(host, port);
        return app.port();
    }

    @Override
    public void close() {
        app.stop();
    }
}
