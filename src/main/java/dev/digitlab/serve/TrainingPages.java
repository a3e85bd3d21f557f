package dev.digitlab.serve;

import dev.digitlab.train.EventLog;
import io.javalin.Javalin;
import io.javalin.http.sse.SseClient;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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
 * are read, and only those named events.jsonl.
 */
final class TrainingPages {
    /** A run still being written to within this long counts as running. */
    private static final long LIVE_MS = 120_000;
    private final Path root;

    TrainingPages(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    void register(Javalin app) {
        app.get("/api/runs", ctx -> ctx.json(runs()));
        app.sse("/api/runs/events", client -> follow(client, client.ctx().queryParam("run")));
    }

    /** Every run under the root: its id (path from the root), its group (experiment/variant), and how far it got. */
    List<Map<String, Object>> runs() throws IOException {
        List<Map<String, Object>> out = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return out;
        }
        try (Stream<Path> files = Files.walk(root, 5)) {
            for (Path f : files.filter(p -> p.getFileName().toString().equals(EventLog.FILE)).sorted().toList()) {
                Path dir = f.getParent();
                String id = root.relativize(dir).toString().replace('\\', '/');
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("id", id.isEmpty() ? "." : id);
                Path parent = root.relativize(dir).getParent();
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

    /** Sends the run's lines as they are, then each new one, until the client goes or the run finishes. */
    private void follow(SseClient client, String run) {
        Path file = file(run);
        if (file == null) {
            client.sendEvent("error", "no such run: " + run);
            client.close();
            return;
        }
        client.keepAlive();
        Thread tail = new Thread(() -> {
            long at = 0;
            StringBuilder partial = new StringBuilder();
            try {
                while (!client.terminated()) {
                    long size = Files.exists(file) ? Files.size(file) : 0;
                    if (size > at) {
                        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
                            f.seek(at);
                            byte[] b = new byte[(int) Math.min(size - at, 1 << 20)];
                            f.readFully(b);
                            at += b.length;
                            partial.append(new String(b, StandardCharsets.UTF_8));
                        }
                        int nl;
                        while ((nl = partial.indexOf("\n")) >= 0) {
                            String line = partial.substring(0, nl);
                            partial.delete(0, nl + 1);
                            client.sendEvent("training", line);
                            if (line.contains("\"type\":\"finish\"")) {
                                client.sendEvent("end", "finished");
                            }
                        }
                    }
                    Thread.sleep(200);
                }
            } catch (IOException | InterruptedException | RuntimeException e) {
                client.close();
            }
        }, "follow " + run);
        tail.setDaemon(true);
        client.onClose(tail::interrupt);
        tail.start();
    }

    /** The events file of run {@code id}, if it lies inside the root; null otherwise. */
    private Path file(String id) {
        if (id == null || id.isBlank()) {
            return null;
        }
        Path dir = root.resolve(id).normalize();
        if (!dir.startsWith(root)) {
            return null;
        }
        Path f = dir.resolve(EventLog.FILE);
        return Files.isRegularFile(f) ? f : null;
    }
}
