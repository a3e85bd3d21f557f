package dev.digitlab.serve;

import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.http.sse.SseClient;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Training runs' event files sent as server-sent events, as they grow. Every stream is polled by the same two
 * threads, whatever the number of clients; a client that is gone is only noticed when a write to it fails, so each
 * stream gets a comment line when it has been quiet for {@link #HEARTBEAT_MS}. A stream ends after the run's
 * {@code finish} line (with an {@code end} event), when its client goes, or when the server stops (after sending
 * what the file gained since the last look). At most
 * {@code max} streams are open at once; beyond that a request is answered 503.
 */
final class EventStreams implements AutoCloseable {
    static final long POLL_MS = 250;
    static final long HEARTBEAT_MS = 5_000;
    static final long DRAIN_MS = 2_000;

    private final int max;
    private final AtomicInteger open = new AtomicInteger();
    private final Set<Stream> streams = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService timer = Executors.newScheduledThreadPool(2, r -> {
        Thread t = new Thread(r, "digitlab-events");
        t.setDaemon(true);
        return t;
    });

    EventStreams(int max) {
        this.max = max;
    }

    /** Answers {@code ctx} with the lines of {@code file} as they come; the request stays open, holding no thread. */
    void follow(Context ctx, Path file) {
        if (open.incrementAndGet() > max) {
            open.decrementAndGet();
            ctx.header("Retry-After", "10");
            throw new HttpResponseException(503, max + " event streams are open, the most this server keeps; try again later");
        }
        Stream s;
        try {
            ctx.res().setStatus(200);
            ctx.res().setCharacterEncoding("UTF-8");
            ctx.res().setContentType("text/event-stream");
            ctx.res().addHeader("Connection", "close");
            ctx.res().addHeader("Cache-Control", "no-cache");
            ctx.res().addHeader("X-Accel-Buffering", "no");
            ctx.res().flushBuffer();
            s = new Stream(new SseClient(ctx), file);
        } catch (IOException | RuntimeException e) {
            open.decrementAndGet();
            return; // the client went before the stream began
        }
        streams.add(s);
        s.client.onClose(s::ended);
        s.client.keepAlive();
        try {
            s.task = timer.scheduleWithFixedDelay(s::poll, 0, POLL_MS, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            s.client.close(); // the server is stopping
        }
    }

    /**
     * Sends each stream what its file gained since the last look (a training process stops its dashboard right after
     * writing its last line), then ends them all; a client too slow to take it within {@link #DRAIN_MS} is cut off.
     */
    @Override
    public void close() {
        List<Future<?>> drains = new ArrayList<>();
        for (Stream s : streams) {
            try {
                drains.add(timer.submit(s::drain));
            } catch (RejectedExecutionException e) {
                break; // closed before
            }
        }
        long deadline = System.nanoTime() + DRAIN_MS * 1_000_000;
        for (Future<?> f : drains) {
            try {
                f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (ExecutionException | TimeoutException e) {
                // cut off below
            }
        }
        timer.shutdownNow();
        for (Stream s : streams) {
            s.client.close();
        }
    }

    private static final class StreamEnded extends RuntimeException {
        StreamEnded() {
            super(null, null, false, false);
        }
    }

    private final class Stream {
        final SseClient client;
        final Path file;
        final AtomicBoolean done = new AtomicBoolean();
        private static final int MAX_LINE = 1 << 20;

        /** The bytes of a line still being written; split on the newline byte, so no character is cut in two. */
        final java.io.ByteArrayOutputStream partial = new java.io.ByteArrayOutputStream();
        volatile ScheduledFuture<?> task;
        long at;
        long lastSent = System.nanoTime();

        Stream(SseClient client, Path file) {
            this.client = client;
            this.file = file;
        }

        /** One look at the file; throwing ends the schedule (that is how a periodic task stops itself). */
        synchronized void poll() {
            boolean more;
            try {
                more = !client.terminated() && step();
            } catch (Exception | OutOfMemoryError e) {
                more = false; // a stream that cannot go on must still give its place back
            }
            if (!more) {
                client.close();
                ended();
                throw new StreamEnded();
            }
        }

        /** The last look, when the server stops. */
        synchronized void drain() {
            try {
                if (!done.get() && !client.terminated()) {
                    step();
                }
            } catch (Exception e) {
                // ending anyway
            }
            client.close();
            ended();
        }

        /** Sends what was added to the file, or a heartbeat; false once the run finished. */
        private boolean step() throws IOException {
            long size = Files.exists(file) ? Files.size(file) : 0;
            if (size > at) {
                try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
                    f.seek(at);
                    byte[] b = new byte[(int) Math.min(size - at, 1 << 20)];
                    f.readFully(b);
                    at += b.length;
                    partial.writeBytes(b);
                }
                byte[] pending = partial.toByteArray();
                int from = 0;
                for (int nl = 0; nl < pending.length; nl++) {
                    if (pending[nl] != '\n') {
                        continue;
                    }
                    String line = new String(pending, from, nl - from, StandardCharsets.UTF_8);
                    from = nl + 1;
                    client.sendEvent("training", line);
                    lastSent = System.nanoTime();
                    if (line.contains("\"type\":\"finish\"")) {
                        client.sendEvent("end", "finished");
                        return false;
                    }
                }
                partial.reset();
                partial.write(pending, from, pending.length - from);
                if (partial.size() > MAX_LINE) { // an events file's lines are a few hundred bytes
                    client.sendEvent("error", "a line of the run's events file is longer than " + MAX_LINE + " bytes");
                    return false;
                }
            }
            if (System.nanoTime() - lastSent > HEARTBEAT_MS * 1_000_000) {
                client.sendComment("still here");
                lastSent = System.nanoTime();
            }
            return !client.terminated();
        }

        /** Once per stream, whichever way it ends. */
        void ended() {
            if (done.compareAndSet(false, true)) {
                streams.remove(this);
                open.decrementAndGet();
                ScheduledFuture<?> t = task;
                if (t != null) {
                    t.cancel(false);
                }
            }
        }
    }
}
