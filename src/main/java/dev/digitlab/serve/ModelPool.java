package dev.digitlab.serve;

import dev.digitlab.DigitlabException;
import dev.digitlab.api.Classifier;
import dev.digitlab.eval.Explainer;
import dev.digitlab.model.Metrics;
import dev.digitlab.model.ModelFolder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;

/**
 * The served models, each as a small pool of identical classifiers; a request borrows one and gives it back. A
 * Classifier is safe to share between threads (ClassifierThreadsTest), so the pool is not there for thread safety: it
 * caps the requests a model serves at once at {@code workers} ({@code --workers}; the others wait for a classifier,
 * up to 30 s), and it says when an old classifier is out of use. A model can be swapped for
 * another while requests run ({@link #swap}): new requests get the new pool at once, and the old classifiers are
 * closed only as the requests that hold them give them back, so no request fails for a swap. Each classifier in a
 * pool holds a copy of the model's weights of its own.
 */
public final class ModelPool implements AutoCloseable {
    private static final long BORROW_TIMEOUT_S = 30;
    /** How often a request waiting for a busy model looks again whether the model was swapped meanwhile. */
    private static final long RECHECK_MS = 50;

    /**
     * One served model: its name, folder, (first member's) sidecar, its figures (an ensemble's own) and the pool of
     * identical classifiers.
     */
    public record Entry(String name, Path dir, ModelFolder.Sidecar sidecar, Metrics metrics, BlockingQueue<Classifier> pool,
                        Map<Classifier, Explainer> explainers) {
        /** The explainer of one of this model's classifiers, made once (it runs a pass to find the Grad-CAM layer). */
        public Explainer explainer(Classifier c) {
            return explainers.computeIfAbsent(c, Explainer::new);
        }
    }

    private final int workers;
    /** Models swapped out, by the thread that closes their classifiers as requests give them back. */
    private final Map<Thread, Entry> retiring = new LinkedHashMap<>();
    private boolean closed;
    /** Replaced whole on a swap, never changed in place: a reader sees one consistent set of models. */
    private volatile Map<String, Entry> models = new LinkedHashMap<>();

    public ModelPool(List<Path> dirs, int workers) {
        this.workers = workers;
        Map<String, Entry> all = new LinkedHashMap<>();
        try {
            for (Path dir : dirs) {
                String name = uniqueName(all, dir);
                all.put(name, load(name, dir));
            }
        } catch (RuntimeException e) {
            all.values().forEach(ModelPool::closeAll);
            throw e;
        }
        if (all.isEmpty()) {
            throw new DigitlabException("no model to serve");
        }
        models = all;
    }

    /** One model served under {@code name}, whatever its folder is called (a learning model's versions). */
    public ModelPool(String name, Path dir, int workers) {
        this.workers = workers;
        models = new LinkedHashMap<>(Map.of(name, load(name, dir)));
    }

    private Entry load(String name, Path dir) {
        BlockingQueue<Classifier> pool = new ArrayBlockingQueue<>(workers);
        try {
            for (int i = 0; i < workers; i++) {
                pool.add(Classifier.load(dir));
            }
        } catch (RuntimeException e) {
            pool.forEach(Classifier::close);
            throw e;
        }
        return new Entry(name, dir, pool.peek().sidecar(), ModelFolder.metrics(dir), pool, new ConcurrentHashMap<>());
    }

    /**
     * Serves the model in {@code dir} as {@code name} from now on. The old classifiers are closed in the background
     * as their requests give them back.
     */
    public synchronized void swap(String name, Path dir) {
        if (closed) {
            throw new IllegalStateException("the server is closing");
        }
        Entry old = entry(name);
        Entry fresh = load(name, dir);
        Map<String, Entry> next = new LinkedHashMap<>(models);
        next.put(name, fresh);
        models = next;
        Thread retire = new Thread(() -> {
            for (int closed = 0; closed < workers; ) {
                try {
                    Classifier c = old.pool().poll(BORROW_TIMEOUT_S, TimeUnit.SECONDS);
                    if (c != null) {
                        c.close();
                        closed++;
                    }
                } catch (InterruptedException e) {
                    return; // the server is closing, and closes what is left
                }
            }
        }, "retire " + name);
        retire.setDaemon(true);
        retiring.keySet().removeIf(t -> !t.isAlive());
        retiring.put(retire, old);
        retire.start();
    }

    private static String uniqueName(Map<String, Entry> models, Path dir) {
        Path abs = dir.toAbsolutePath().normalize();
        String name = abs.getFileName().toString();
        if (models.containsKey(name) && abs.getParent() != null && abs.getParent().getFileName() != null) {
            name = abs.getParent().getFileName() + "/" + name;
        }
        for (int i = 2; models.containsKey(name); i++) {
            name = abs.getFileName() + "-" + i;
        }
        return name;
    }

    public List<Entry> entries() {
        return new ArrayList<>(models.values());
    }

    public Entry entry(String name) {
        Map<String, Entry> now = models;
        if (name == null || name.isBlank()) {
            return now.values().iterator().next();
        }
        Entry e = now.get(name);
        if (e == null) {
            throw new BadRequest("unknown model '" + name + "' (serving " + String.join(", ", now.keySet()) + ")");
        }
        return e;
    }

    /**
     * Runs {@code work} with a classifier of model {@code name} (null: the first) borrowed for the duration, and the
     * entry it belongs to: one lookup per request. While every classifier is busy it waits, looking again now and then
     * which pool serves the name, so a swap meanwhile does not strand it.
     */
    public <T> T with(String name, BiFunction<Entry, Classifier, T> work) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(BORROW_TIMEOUT_S);
        while (true) {
            Entry e = entry(name);
            Classifier c;
            try {
                c = e.pool().poll(RECHECK_MS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for a model");
            }
            if (c != null) {
                try {
                    return work.apply(e, c);
                } finally {
                    e.pool().add(c);
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("every " + e.name() + " worker stayed busy for " + BORROW_TIMEOUT_S + " s");
            }
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        for (Thread t : retiring.keySet()) {
            t.interrupt();
            try {
                t.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        retiring.values().forEach(ModelPool::closeAll); // the idle ones; a request still holding one is answered first
        models.values().forEach(ModelPool::closeAll);
        models = new LinkedHashMap<>();
    }

    private static void closeAll(Entry e) {
        e.pool().forEach(Classifier::close);
    }
}
