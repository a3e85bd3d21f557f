package dev.digitlab.serve;

import dev.digitlab.AtomicFiles;
import dev.digitlab.data.DataFolder;
import dev.digitlab.eval.Learning;
import dev.digitlab.train.LearnConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
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
        t.setPriority(Thread.MIN_PRIORITY); // requests first
        return t;
    });
    private final AtomicBoolean running = new AtomicBoolean();
    private volatile String state = "waiting for feedback";
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
    }

    /** What the learner is doing, for /api/models. */
    String state() {
        return state;
    }

    String name() {
        return name;
    }

    int every() {
        return every;
    }

    ModelVersions versions() {
        return versions;
    }

    /** Told the feedback file's rows after each new one: starts a learn once {@code every} rows came since the last. */
    void rowsNow(long rows) {
        if (rows - versions.rowsLearnt() >= every && running.compareAndSet(false, true)) {
            worker.submit(this::learn);
        }
    }

    private void learn() {
        String next = versions.next();
        Path snapshot = versions.dir().resolve("." + next + ".feedback.csv");
        try {
            long rows = feedback.snapshot(snapshot);
            state = "learning " + next + " from " + rows + " feedback rows";
            log.accept("serve --learn: " + state + ", starting from " + versions.live());
            Learning.Outcome o = Learning.run(versions.livePath(), snapshot, this::trainTest, config, versions.path(next), log);
            synchronized (this) {
                if (o.guard().promoted()) {
                    models.swap(name, versions.path(next));
                }
                versions.add(next, o.guard().promoted(), rows);
            }
            state = next + (o.guard().promoted() ? " went live" : " was kept as a candidate: " + String.join("; ", o.guard().reasons()));
            log.accept("serve --learn: " + state);
        } catch (IOException | RuntimeException e) {
            state = "the last learn failed: " + e.getMessage();
            log.accept("serve --learn: " + state);
        } finally {
            try {
                AtomicFiles.deleteTree(snapshot);
            } catch (IOException ignored) {
                // a hidden snapshot left behind is overwritten by the next learn
            }
            running.set(false);
        }
        rowsNow(feedback.rows()); // rows that came in meanwhile may be enough for the next one
    }

    /** The replay and test images, read once (60,000 + 10,000 images, 55 MB), when the first learn needs them. */
    private synchronized DataFolder.TrainTest trainTest() {
        if (loaded == null) {
            loaded = data.get();
        }
        return loaded;
    }

    /** Makes an earlier (or later) promoted version live again: one request, no failed request. */
    synchronized void switchTo(String version) {
        versions.checkPromoted(version);
        models.swap(name, versions.path(version));
        versions.setLive(version);
        log.accept("serve --learn: " + version + " is live (switched by a request)");
    }

    @Override
    public void close() {
        worker.shutdownNow();
        try {
            worker.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
