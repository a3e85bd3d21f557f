package dev.digitlab.train;

import dev.digitlab.DigitlabException;
import dev.digitlab.data.Normalization;
import dev.digitlab.model.Metrics;
import dev.digitlab.model.ModelFolder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A run's folder, kept up to date as a listener: the checkpoint as soon as the run starts (so a run stopped in its
 * first epoch still knows how it was configured), then after each epoch the last epoch's model, {@code best/} when
 * the watched loss improved, the history and the checkpoint; at the end the test figures in both sidecars. Every
 * file is written atomically, the checkpoint last, so a kill costs at most the epoch in progress.
 */
public final class RunFolder implements TrainingListener {
    private final Path dir;
    private final Checkpoint checkpoint;
    private Normalization norm;
    private List<String> classNames;
    private TrainConfig config;

    private RunFolder(Path dir, Checkpoint checkpoint) {
        this.dir = dir;
        this.checkpoint = checkpoint;
    }

    /** How far the run in a folder got: nothing saved, started (stopped at some epoch), or finished (tested). */
    public enum Stage { EMPTY, STARTED, FINISHED }

    /**
     * What a folder holds, read once: its stage, the configuration the run was started with (null when EMPTY), its
     * checkpoint (null when none was written) and its model's sidecar (null when no epoch was saved).
     */
    public record Found(Path dir, Stage stage, TrainConfig config, Checkpoint checkpoint, ModelFolder.Sidecar sidecar) {
        /** The listener that starts a new run here; a folder that holds a run already is refused. */
        public RunFolder fresh() {
            if (stage != Stage.EMPTY) {
                String what = sidecar != null ? sidecar.architecture() + " run" : "run";
                throw new DigitlabException(dir + " already holds a " + what + "; continue it with {@resume} " + dir
                        + " or choose another {@out}");
            }
            return new RunFolder(dir, null);
        }

        /**
         * The listener that continues the run here from its checkpoint, with a configuration that
         * {@link TrainConfig#continuedWith} allowed; without a checkpoint (a run stopped before its first write) the
         * run starts over.
         */
        public RunFolder continued() {
            return new RunFolder(dir, checkpoint);
        }
    }

    /**
     * Reads what {@code dir} holds. A run is finished when its sidecar carries a test accuracy (written only after the
     * last epoch); its configuration is the checkpoint's, else (a folder from before checkpoints were written at the
     * start) the sidecar's.
     */
    public static Found open(Path dir) {
        ModelFolder.Sidecar sidecar = ModelFolder.isModel(dir) ? ModelFolder.readSidecar(dir) : null;
        Checkpoint checkpoint = Files.exists(dir.resolve(Checkpoint.FILE)) ? withBest(Checkpoint.read(dir), dir) : null;
        TrainConfig config = checkpoint != null ? checkpoint.state().config()
                : sidecar != null ? TrainConfig.fromJson(sidecar.training()) : null;
        Stage stage = sidecar != null && sidecar.metrics().isTested() ? Stage.FINISHED
                : sidecar != null || checkpoint != null ? Stage.STARTED : Stage.EMPTY;
        return new Found(dir, stage, config, checkpoint, sidecar);
    }

    /**
     * A checkpoint written before checkpoints kept the best epoch's weights, with them taken from best/ when best/
     * holds that epoch: so that the run, continued, scores its best model as a new one does.
     */
    private static Checkpoint withBest(Checkpoint ck, Path dir) {
        Checkpoint.State s = ck.state();
        Path best = dir.resolve("best");
        if (s.badEpochs() == 0 || ck.bestParameters() != null || !ModelFolder.isModel(best)) {
            return ck;
        }
        Integer epoch = ModelFolder.readSidecar(best).metrics().epoch();
        Path weights = best.resolve(ModelFolder.WEIGHTS);
        try {
            if (epoch == null || epoch != s.epochsDone() - s.badEpochs() || Files.size(weights) != ck.parameters().length) {
                return ck; // not that epoch's, or not of this network's size
            }
            return new Checkpoint(s, ck.parameters(), ck.optimizer(), Files.readAllBytes(weights));
        } catch (IOException e) {
            return ck;
        }
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
            Metrics metrics = metrics(e.stats(), Score.NONE);
            if (e.improved()) {
                ModelFolder.save(dir.resolve("best"), e.net(), ModelFolder.sidecar(e.net(), norm, classNames, config, metrics));
            }
            ModelFolder.save(dir, e.net(), ModelFolder.sidecar(e.net(), norm, classNames, config, metrics));
            History.write(dir, e.checkpoint().state().history());
            e.checkpoint().write(dir);
        });
    }

    /** The final model's test figures in its sidecar, and the best epoch's (the trainer scored it) in best/'s. */
    @Override
    public void finished(Finish f) {
        io(() -> {
            List<EpochStats> history = f.result().history();
            if (history.isEmpty()) { // --epochs 0: the untrained network, kept as a baseline like any run
                History.write(dir, history);
            }
            // best/ first: the root's test figures mark the run finished, and a finished run is never written again
            Path best = dir.resolve("best");
            if (f.best() != null && ModelFolder.isModel(best)) {
                ModelFolder.Sidecar s = ModelFolder.readSidecar(best);
                ModelFolder.saveSidecar(best, s.with(s.metrics().withTest(f.best().loss(), f.best().accuracy()), s.source()));
            }
            ModelFolder.save(dir, f.net(), ModelFolder.sidecar(f.net(), norm, classNames, config,
                    metrics(history.isEmpty() ? null : history.get(history.size() - 1), f.result().test())));
        });
    }

    /** The sidecar's figures after epoch {@code e} (null: none was trained). */
    static Metrics metrics(EpochStats e, Score test) {
        Metrics trained = e == null ? new Metrics(0, null, null, null, null, null, null, null, null, null)
                : new Metrics(e.epoch(), e.trainLoss(), e.trainAccuracy(), e.valLoss(), e.valAccuracy(), null, null, null, null, null);
        return trained.withTest(test.loss(), test.accuracy());
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
