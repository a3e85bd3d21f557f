package dev.digitlab.train;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.digitlab.DigitlabException;
import dev.digitlab.data.Normalization;
import dev.digitlab.model.ModelFolder;
import dev.digitlab.model.Net;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A run's folder, kept up to date as a listener: the checkpoint as soon as the run starts (so a run stopped in its
 * first epoch still knows how it was configured), then after each epoch the last epoch's model, {@code best/} when
 * the watched loss improved, the history and the checkpoint; at the end the test figures in both sidecars. Every
 * file is written atomically, the checkpoint last, so a kill costs at most the epoch in progress.
 */
public final class RunFolder implements TrainingListener {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path dir;
    private final Checkpoint checkpoint;
    private Normalization norm;
    private List<String> classNames;
    private TrainConfig config;

    private RunFolder(Path dir, Checkpoint checkpoint) {
        this.dir = dir;
        this.checkpoint = checkpoint;
    }

    /** A new run in {@code dir}, which must not hold one already. */
    public static RunFolder fresh(Path dir) {
        if (started(dir)) {
            String what = ModelFolder.isModel(dir) ? ModelFolder.readSidecar(dir).architecture() + " run" : "run";
            throw new DigitlabException(dir + " already holds a " + what + "; continue it with {@resume} " + dir
                    + " or choose another {@out}");
        }
        return new RunFolder(dir, null);
    }

    /**
     * The run in {@code dir}, to be continued with {@code config} (which {@link TrainConfig#continuedWith} made from
     * the saved one). A folder without a checkpoint, left by a run stopped before its first write, starts over.
     */
    public static RunFolder resume(Path dir, TrainConfig config) {
        if (!Files.isDirectory(dir)) {
            throw new DigitlabException(dir + ": no such run folder to resume");
        }
        if (!Files.exists(dir.resolve(Checkpoint.FILE))) {
            return new RunFolder(dir, null);
        }
        Checkpoint ck = Checkpoint.read(dir);
        List<String> changed = ck.state().config().differences(config).stream()
                .filter(d -> !TrainConfig.CHANGEABLE.contains(d.substring(0, d.indexOf(':')))).toList();
        if (!changed.isEmpty()) {
            throw new DigitlabException(dir + " holds a run of another configuration (" + String.join(", ", changed) + ")");
        }
        return new RunFolder(dir, ck);
    }

    /**
     * The configuration the run in {@code dir} was started with: its checkpoint's, else (a folder from before
     * checkpoints were written at the start) its sidecar's; null when nothing was saved.
     */
    public static TrainConfig savedConfig(Path dir) {
        if (Files.exists(dir.resolve(Checkpoint.FILE))) {
            return Checkpoint.read(dir).state().config();
        }
        return ModelFolder.isModel(dir) ? TrainConfig.fromJson(ModelFolder.readSidecar(dir).training()) : null;
    }

    /** Whether a run was started in {@code dir}: it holds a checkpoint or a saved model, so it can be resumed. */
    public static boolean started(Path dir) {
        return Files.exists(dir.resolve(Checkpoint.FILE)) || ModelFolder.isModel(dir);
    }

    public Path dir() {
        return dir;
    }

    /** Where the run continues from; null when it starts from epoch 1. */
    public Checkpoint checkpoint() {
        return checkpoint;
    }

    @Override
    public void started(Start s) {
        norm = s.norm();
        classNames = s.trainPart().classNames();
        config = s.config();
        io(() -> {
            Files.createDirectories(dir);
            removeLeftovers();
            if (s.epochsDone() == 0) {
                s.checkpoint().write(dir);
            }
        });
    }

    @Override
    public void epochEnded(Epoch e) {
        io(() -> {
            Map<String, Object> metrics = metrics(e.stats(), Double.NaN, Double.NaN);
            if (e.improved()) {
                ModelFolder.save(dir.resolve("best"), e.net(), ModelFolder.sidecar(e.net(), norm, classNames, config, metrics));
            }
            ModelFolder.save(dir, e.net(), ModelFolder.sidecar(e.net(), norm, classNames, config, metrics));
            History.write(dir, e.checkpoint().state().history());
            e.checkpoint().write(dir);
        });
    }

    /** The final model's test figures in its sidecar; the best model scored on the test set and recorded likewise. */
    @Override
    public void finished(Finish f) {
        io(() -> {
            List<EpochStats> history = f.result().history();
            if (history.isEmpty()) { // --epochs 0: the untrained network, kept as a baseline like any run
                History.write(dir, history);
            }
            ModelFolder.save(dir, f.net(), ModelFolder.sidecar(f.net(), norm, classNames, config,
                    metrics(history.isEmpty() ? null : history.get(history.size() - 1), f.result().testLoss(), f.result().testAccuracy())));
            Path best = dir.resolve("best");
            if (f.test() == null || !ModelFolder.isModel(best)) {
                return;
            }
            try (var root = NDManager.newBaseManager(); ModelFolder.Loaded b = ModelFolder.load(best, root)) {
                Trainer.Score t = f.test().apply(b.net());
                ModelFolder.Sidecar s = b.sidecar();
                @SuppressWarnings("unchecked")
                Map<String, Object> m = new LinkedHashMap<>(JSON.convertValue(s.metrics(), Map.class));
                m.put("testLoss", t.loss());
                m.put("testAccuracy", t.accuracy());
                ModelFolder.save(best, b.net(), ModelFolder.sidecar(b.net(), s.norm(), s.classNames(), s.training(), m));
            }
        });
    }

    /** The sidecar's figures after epoch {@code e} (null: none was trained). */
    static Map<String, Object> metrics(EpochStats e, double testLoss, double testAccuracy) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (e == null) {
            m.put("epoch", 0);
            m.put("testLoss", testLoss);
            m.put("testAccuracy", testAccuracy);
            return m;
        }
        m.put("epoch", e.epoch());
        m.put("trainLoss", e.trainLoss());
        m.put("trainAccuracy", e.trainAccuracy());
        m.put("valLoss", e.valLoss());
        m.put("valAccuracy", e.valAccuracy());
        m.put("testLoss", testLoss);
        m.put("testAccuracy", testAccuracy);
        return m;
    }

    /** Temporary files of writes a kill interrupted: never read, but not to pile up either. */
    private void removeLeftovers() throws IOException {
        for (Path d : List.of(dir, dir.resolve("best"))) {
            if (Files.isDirectory(d)) {
                try (var files = Files.list(d)) {
                    for (Path p : files.filter(f -> f.getFileName().toString().startsWith(".")
                            && f.getFileName().toString().endsWith(".part")).toList()) {
                        Files.deleteIfExists(p);
                    }
                }
            }
        }
    }

    private interface Io {
        void run() throws IOException;
    }

    private void io(Io io) {
        try {
            io.run();
        } catch (IOException e) {
            throw new DigitlabException("cannot write in " + dir + ": " + e, e);
        }
    }
}
