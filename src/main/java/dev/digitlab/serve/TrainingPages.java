package dev.digitlab.serve;

import dev.digitlab.train.EventLog;
import io.javalin.Javalin;
import io.javalin.http.HttpResponseException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The training dashboard's API, on {@code serve} and on {@code train --dashboard}: the runs under a folder (a run is a
 * folder with an {@code events.jsonl}; an experiment's runs sit at variant/run-k), and one run's events as
 * server-sent events: what the file holds, then each line as the training appends it. Only files inside the folder
 * are read, after symbolic links are resolved, and only those named events.jsonl.
 */
final class TrainingPages implements AutoCloseable {
    /** A run still being written to within this long counts as running. */
    private static final long LIVE_MS = 120_000;
    private final Path root;
    private final EventStreams streams;

    TrainingPages(Path root, int maxStreams) {
        this.root = root.toAbsolutePath().normalize();
        this.streams = new EventStreams(maxStreams);
    }

    void register(Javalin app) {
        app.get("/api/runs", ctx -> ctx.json(runs()));
        app.get("/api/runs/events", ctx -> streams.follow(ctx, file(ctx.queryParam("run"))));
    }

    @Override
    public void close() {
        streams.close();
    }

    /** Every run under the root: its id (path from the root), its group (experiment/variant), and how far it got. */
    List<Map<String, Object>> runs() throws IOException {
        List<Map<String, Object>> out = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return out;
        }
        Path real = root.toRealPath();
        // Files.walk does not follow links to folders; a link named events.jsonl is skipped here
        try (Stream<Path> files = Files.walk(real, 5)) {
            for (Path f : files.filter(p -> p.getFileName().toString().equals(EventLog.FILE)
                    && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).sorted().toList()) {
                Path dir = f.getParent();
                String id = real.relativize(dir).toString().replace('\\', '/');
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("id", id.isEmpty() ? "." : id);
                Path parent = real.relativize(dir).getParent();
                m.put("group", parent == null ? "" : parent.toString().replace('\\', '/'));
                List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
                String last = lines.isEmpty() ? "" : lines.get(lines.size() - 1);
                boolean finished = last.contains("\"type\":\"finish\"");
                boolean live = System.currentTimeMillis() - Files.getLastModifiedTime(f).toMillis() < LIVE_MS;
                m.put("status", finished ? "finished" : live ? "running" : "stopped");
                m.put("epochs", lines.stream().filter(l -> l.contains("\"type\":\"epoch\"")).count());
                m.put("modified", Files.getLastModifiedTime(f).toMillis());
                out.add(m);
            }
        }
        return out;
    }

    /**
     * The events file of run {@code id}, its real path; 400 for an id that is not a relative path, 404 for one that
     * names no run inside the root (after links are resolved).
     */
    Path file(String id) {
        if (id == null || id.isBlank()) {
            throw new BadRequest("'run' is required: the id of a run, as /api/runs lists them");
        }
        if (id.chars().anyMatch(Character::isISOControl) || id.length() > 1000) {
            throw new BadRequest("'run' must be a relative path without control characters");
        }
        Path dir;
        try {
            dir = root.resolve(id).normalize();
        } catch (InvalidPathException e) {
            throw new BadRequest("'run' is not a path: " + e.getReason());
        }
        if (!dir.startsWith(root)) {
            throw new BadRequest("'run' must lie inside the runs folder");
        }
        try {
            Path real = dir.resolve(EventLog.FILE).toRealPath();
            if (real.startsWith(root.toRealPath()) && Files.isRegularFile(real)) {
                return real;
            }
        } catch (IOException e) {
            // no such file, or a link to nowhere: the same answer as a link outside
        }
        throw new HttpResponseException(404, "no such run: " + SameOrigin.printable(id));
    }
}
