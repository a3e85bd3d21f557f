package dev.digitlab.serve;

import dev.digitlab.DigitlabException;
import dev.digitlab.eval.Classifier;
import dev.digitlab.model.ModelFolder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The served models, each as a small pool of classifiers: NDManagers are not thread-safe, so a request borrows
 * a classifier of its own and gives it back; no NDArray is ever shared between requests.
 */
public final class ModelPool implements AutoCloseable {
    private static final long BORROW_TIMEOUT_S = 30;

    /** One served model: its name, folder, sidecar and the pool of identical classifiers. */
    public record Entry(String name, Path dir, ModelFolder.Sidecar sidecar, BlockingQueue<Classifier> pool) {}

    private final Map<String, Entry> models = new LinkedHashMap<>();

    public ModelPool(List<Path> dirs, int workers) {
        try {
            for (Path dir : dirs) {
                String name = uniqueName(dir);
                BlockingQueue<Classifier> pool = new ArrayBlockingQueue<>(workers);
                for (int i = 0; i < workers; i++) {
                    pool.add(new Classifier(dir));
                }
                models.put(name, new Entry(name, dir, pool.peek().sidecar(), pool));
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        if (models.isEmpty()) {
            throw new DigitlabException("no model to serve");
        }
    }

    private String uniqueName(Path dir) {
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
        if (name == null || name.isBlank()) {
            return models.values().iterator().next();
        }
        Entry e = models.get(name);
        if (e == null) {
            throw new BadRequest("unknown model '" + name + "' (serving " + String.join(", ", models.keySet()) + ")");
        }
        return e;
    }

    /** Runs {@code work} with a classifier of model {@code name} borrowed for the duration. */
    public <T> T with(String name, Function<Classifier, T> work) {
        Entry e = entry(name);
        Classifier c;
        try {
            c = e.pool().poll(BORROW_TIMEOUT_S, TimeUnit.SECONDS);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a model");
        }
        if (c == null) {
            throw new IllegalStateException("every " + e.name() + " worker stayed busy for " + BORROW_TIMEOUT_S + " s");
        }
        try {
            return work.apply(c);
        } finally {
            e.pool().add(c);
        }
    }

    @Override
    public void close() {
        for (Entry e : models.values()) {
            e.pool().forEach(Classifier::close);
        }
        models.clear();
    }
}
