package dev.digitlab.serve;

import dev.digitlab.AtomicFiles;
import dev.digitlab.data.DataFolder;
import dev.digitlab.eval.Learning;
import dev.digitlab.train.LearnConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * {@code serve --learn}: after every {@code every} new feedback rows, the live version is fine-tuned on all the
 * feedback so far ({@link Learning}), in the background on a thread of its own, one learn at a time; the guard's
 * verdict decides whether the result goes live, and a promoted model is swapped in without failing a request. A learn
 * that goes wrong is logged and leaves the live model as it was.
 */
final class Learner implements AutoCloseable {
    private final ModelPool models;
    private final String name;
    private final ModelVersions versions;
    private final FeedbackLog feedback;
    private final Supplier<DataFolder.TrainTest> data;
    private final int every;
    private final LearnConfig config;
    private final Consumer<String> log;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "learn");
        t.setDaemon(true);
        return t;
    });
    private final AtomicBoolean running = new AtomicBoolean();
    private final Object dataLock = new Object();
    private volatile String state = "waiting for feedback";
    /** New rows are counted from this many: the rows the last learn started from, whether it ended well or not. */
    private volatile long since;
    private volatile boolean closed;
    private DataFolder.TrainTest loaded;

    Learner(ModelPool models, String name, ModelVersions versions, FeedbackLog feedback, Supplier<DataFolder.TrainTest> data,
            int every, LearnConfig config, Consumer<String> log) {
        this.models = models;
        this.name = name;
        this.versions = versions;
        this.feedback = feedback;
        this.data = data;
        this.every = every;
        this.config = config.validate();
        this.log = log;
        this.since = versions.rowsLearnt();
    }

    /**
     * The learning model's part of /api/models: the figures of the model served, the version live, every version
     * and what the learner is doing; read under the lock a swap holds, so the model served and the version named live
     * always agree.
     */
    synchronized Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("testAccuracy", models.entry(name).metrics().accuracy());
        m.put("version", versions.live());
        m.put("versions", versions.describe());
        m.put("learning", state);
        m.put("learnEvery", every);
        return m;
    }

    String name() {
        return name;
    }

    /**
     * Told the feedback file's rows after each new one: starts a learn once {@code every} rows came since the last
     * learn began (a learn that failed counts too, so a file that cannot be learnt from is not tried again and again).
     * A file with fewer rows than that was replaced, and is counted from its start.
     */
    void rowsNow(long rows) {
        if (rows < since) {
            since = 0;
        }
        if (rows - since >= every && !closed && running.compareAndSet(false, true)) {
            try {
                worker.submit(this::learn);
            } catch (RejectedExecutionException e) {
                running.set(false); // closing
            }
        }
    }

    private void learn() {
        String next = versions.next();
        String base = versions.live();
        Path snapshot = versions.dir().resolve("." + next + ".feedback.csv");
        long rows = feedback.rows();
        try {
            rows = feedback.snapshot(snapshot);
            state = "learning " + next + " from " + rows + " feedback rows";
            log.accept("serve --learn: " + state + ", starting from " + base);
            Learning.Outcome o = Learning.run(versions.path(base), snapshot, feedback.file().toAbsolutePath().normalize()
                    + " (its first " + rows + " rows)", this::trainTest, config, versions.path(next), log);
            state = promote(next, base, o, rows);
        } catch (IOException | RuntimeException e) {
            state = "the last learn failed: " + e.getMessage();
        } finally {
            since = rows;
            try {
                AtomicFiles.deleteTree(snapshot);
            } catch (IOException ignored) {
                // a hidden snapshot left behind is overwritten by the next learn
            }
            running.set(false);
        }
        log.accept("serve --learn: " + state);
        rowsNow(feedback.rows()); // rows that came in meanwhile may be enough for the next one
    }

    /**
     * Records the learn's result and, if the guard promoted it and no one made another version live meanwhile, swaps
     * it in: versions.json first, so the model served is never one it does not name live.
     */
    private synchronized String promote(String next, String base, Learning.Outcome o, long rows) {
        if (closed) {
            return next + " was not recorded: the server was closing";
        }
        boolean promoted = o.guard().promoted();
        boolean goLive = promoted && versions.live().equals(base);
        versions.add(next, promoted, rows, goLive);
        if (goLive) {
            swapOrRestore(next, base);
            return next + " went live";
        }
        return promoted ? next + " was promoted but not put live: " + versions.live() + " was made live while it learned"
                : next + " was kept as a candidate: " + String.join("; ", o.guard().reasons());
    }

    /** Serves {@code version}, which versions.json names live already; if it cannot be loaded, {@code before} again. */
    private void swapOrRestore(String version, String before) {
        try {
            models.swap(name, versions.path(version));
        } catch (RuntimeException e) {
            versions.setLive(before);
            throw e;
        }
    }

    /** The replay and test images, read once (60,000 + 10,000 images, 55 MB), when the first learn needs them. */
    private DataFolder.TrainTest trainTest() {
        synchronized (dataLock) { // not the learner's own lock: a switch by request must not wait for a download
            if (loaded == null) {
                loaded = data.get();
            }
            return loaded;
        }
    }

    /** Makes an earlier (or later) promoted version live again: one request, no failed request. */
    synchronized void switchTo(String version) {
        versions.checkPromoted(version);
        String before = versions.live();
        if (version.equals(before)) {
            return;
        }
        versions.setLive(version);
        swapOrRestore(version, before);
        log.accept("serve --learn: " + version + " is live (switched by a request)");
    }

    @Override
    public void close() {
        closed = true;
        worker.shutdownNow();
        try {
            worker.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
