package dev.digitlab.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.loss.Loss;
import dev.digitlab.DigitlabException;
import dev.digitlab.data.Augmentation;
import dev.digitlab.data.Digits;
import dev.digitlab.data.Normalization;
import dev.digitlab.data.Split;
import dev.digitlab.data.TensorSet;
import dev.digitlab.model.Architecture;
import dev.digitlab.model.Devices;
import dev.digitlab.model.Inference;
import dev.digitlab.model.ModelFolder;
import dev.digitlab.model.Models;
import dev.digitlab.model.Net;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Trains one model: a hand-written loop on GradientCollector over batches taken by index from data held on an
 * NDArray, a checkpoint after every epoch, the best-validation model kept in {@code best/}, resume from the
 * checkpoint giving the same history as a run that was never stopped.
 */
public final class Trainer {
    private static final int EVAL_BATCH = 1000;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
    private static final Loss LOSS = Loss.softmaxCrossEntropyLoss();

    /** The history and the final model's test figures. */
    public record Result(List<EpochStats> history, double testLoss, double testAccuracy) {}

    private Trainer() {}

    /**
     * Trains {@code config} on {@code trainingSet} (split into train and validation), evaluates on {@code testSet}
     * (if not null) and saves everything in {@code out}. With {@code resume}, continues the run whose checkpoint is in {@code out}.
     */
    public static Result run(TrainConfig requested, Digits trainingSet, Digits testSet, Path out, boolean resume,
                             boolean progress, Consumer<String> log) throws IOException {
        Checkpoint ck = resume && Files.exists(out.resolve(Checkpoint.FILE)) ? Checkpoint.read(out) : null;
        TrainConfig config = (ck != null ? ck.state().config().withEpochs(Math.max(requested.epochs(), ck.state().config().epochs()))
                : resume ? configOfUnfinishedRun(out, requested) : requested).validate();
        if (!resume) {
            refuseToOverwrite(out);
        } else if (ck == null) {
            log.accept("no checkpoint in " + out + " yet (stopped during its first epoch); starting from epoch 1");
        }
        removeLeftovers(out);
        if (config.patience() > 0 && config.valSplit() == 0) {
            throw new DigitlabException("--patience needs a validation set: give --val-split above 0");
        }
        Digits all = config.limit() > 0 && config.limit() < trainingSet.size()
                ? trainingSet.subset(range(config.limit())) : trainingSet;
        Split split = Split.of(all.size(), config.valSplit(), config.seed());
        Digits trainPart = all.subset(split.train());
        Digits valPart = all.subset(split.validation());
        Normalization norm = ck == null ? Normalization.of(config.normalize(), trainPart)
                : new Normalization(config.normalize(), ck.state().mean(), ck.state().std());
        Architecture arch = Models.create(config.model());
        int steps = (trainPart.size() + config.batchSize() - 1) / config.batchSize();
        Files.createDirectories(out);

        try (NDManager root = NDManager.newBaseManager(Devices.pick(config.device()));
             TensorSet train = new TensorSet(root, trainPart, arch.padding(), norm);
             TensorSet val = new TensorSet(root, valPart, arch.padding(), norm);
             TensorSet test = testSet == null ? null : new TensorSet(root, testSet, arch.padding(), norm);
             Net net = Net.create(arch, root, config.seed());
             Optim optim = new Optim(config, LrSchedule.of(config, steps), net.manager())) {
            List<EpochStats> history = new ArrayList<>();
            double best = Double.POSITIVE_INFINITY;
            int bad = 0;
            if (ck != null) {
                net.loadParameterBytes(ck.parameters());
                optim.restoreState(ck.optimizer(), ck.state().optimizerStep());
                history.addAll(ck.state().history());
                best = ck.state().bestValLoss();
                bad = ck.state().badEpochs();
                log.accept("resuming " + out + " after epoch " + ck.state().epochsDone() + " of " + config.epochs());
            }
            log.accept(String.format("training %s on %d images (%d for validation), %s, batch %d, lr %s, normalisation %s (%.4f/%.4f)",
                    arch.name(), trainPart.size(), valPart.size(), config.optimizer(), config.batchSize(), config.lr(),
                    norm.name(), norm.mean(), norm.std()));
            if (config.augmentation() != null) {
                Augmentation a = config.augmentation();
                log.accept(String.format("augmentation: rotate up to %s degrees, zoom up to %s, shift up to %s of the side",
                        a.rotate(), a.zoom(), a.shift()));
            }
            log.accept("class balance (training part): " + balance(trainPart));
            for (int epoch = history.size() + 1; epoch <= config.epochs() && !(config.patience() > 0 && bad >= config.patience()); epoch++) {
                long t0 = System.nanoTime();
                double lr = optim.currentLr();
                double[] lossAcc = trainEpoch(net, optim, train, trainPart, config, epoch, progress);
                Inference.Outputs v = Inference.run(net, val, EVAL_BATCH);
                double valLoss = v.loss(valPart.labels());
                EpochStats stats = new EpochStats(epoch, LocalDateTime.now().format(TIME), lossAcc[0], lossAcc[1],
                        valLoss, v.accuracy(valPart.labels()), lr, (System.nanoTime() - t0) / 1e9, ResidentMemory.megabytes());
                history.add(stats);
                log.accept(stats.line(config.epochs()));
                double watched = valPart.size() > 0 ? valLoss : stats.trainLoss();
                if (watched < best) {
                    best = watched;
                    bad = 0;
                    ModelFolder.save(out.resolve("best"), net, ModelFolder.sidecar(net, norm, trainPart.classNames(),
                            config, metrics(stats, Double.NaN, Double.NaN)));
                } else {
                    bad++;
                }
                ModelFolder.save(out, net, ModelFolder.sidecar(net, norm, trainPart.classNames(), config,
                        metrics(stats, Double.NaN, Double.NaN)));
                History.write(out, history);
                new Checkpoint(new Checkpoint.State(config, epoch, optim.stepCount(), best, bad, norm.mean(), norm.std(),
                        history), net.parameterBytes(), optim.encodeState()).write(out);
            }
            if (config.patience() > 0 && bad >= config.patience() && history.size() < config.epochs()) {
                log.accept("early stop: validation loss has not improved for " + bad + " epochs");
            }
            Inference.Outputs t = test == null ? null : Inference.run(net, test, EVAL_BATCH);
            Result result = t == null ? new Result(history, Double.NaN, Double.NaN)
                    : new Result(history, t.loss(testSet.labels()), t.accuracy(testSet.labels()));
            EpochStats last = history.get(history.size() - 1);
            ModelFolder.save(out, net, ModelFolder.sidecar(net, norm, trainPart.classNames(), config,
                    metrics(last, result.testLoss(), result.testAccuracy())));
            finishBest(out.resolve("best"), root, test, testSet);
            return result;
        }
    }

    /** One pass over the training data in a seeded order; returns mean loss and accuracy. */
    static double[] trainEpoch(Net net, Optim optim, TensorSet train, Digits part, TrainConfig c, int epoch,
                               boolean progress) {
        long epochSeed = c.seed() * 7919 + epoch;
        Engine.getInstance().setRandomSeed((int) epochSeed); // dropout masks
        int[] order = range(train.size());
        Split.shuffle(order, new Random(epochSeed));
        var params = net.trainableParameters();
        Augmentation warp = c.augmentation();
        Random warps = new Random(~epochSeed);
        double lossSum = 0;
        long correct = 0;
        try (ProgressBar bar = progress ? bar("epoch " + epoch, (train.size() + c.batchSize() - 1) / c.batchSize()) : null;
             TensorSet.Shuffled data = warp == null ? train.shuffled(net.manager(), order) : null) {
            for (int from = 0; from < train.size(); from += c.batchSize()) {
                int to = Math.min(train.size(), from + c.batchSize());
                try (NDManager step = net.manager().newSubManager()) {
                    NDArray x = warp == null ? data.images(step, from, to) : train.augmented(step, order, from, to, warp, warps);
                    NDArray y = warp == null ? data.labels(step, from, to) : train.labels(step, order, from, to);
                    NDList pass = net.trainingPass(x, scores -> LOSS.evaluate(new NDList(y), new NDList(scores)));
                    NDArray logits = pass.get(0);
                    NDArray loss = pass.get(1);
                    optim.step(params);
                    lossSum += loss.toFloatArray()[0] * (to - from); // getFloat() would index a new array first
                    correct += correct(logits, part, order, from);
                }
                if (bar != null) {
                    bar.step();
                    bar.setExtraMessage(String.format(" loss %.4f", lossSum / to));
                }
            }
        }
        return new double[] {lossSum / train.size(), correct / (double) train.size()};
    }

    /**
     * How many of the batch's images starting at {@code order[from]} the logits classify right, counted in Java from
     * one copy of the logits rather than by argmax, compare and sum on the engine (with the loss read by
     * toFloatArray, the epoch line's figures cost lenet5 0.036 s an epoch at batch 32 instead of 0.111 s).
     */
    private static int correct(NDArray logits, Digits part, int[] order, int from) {
        int n = (int) logits.getShape().get(0);
        Inference.Outputs out = new Inference.Outputs(logits.toFloatArray(), n, (int) logits.getShape().get(1));
        int right = 0;
        for (int i = 0; i < n; i++) {
            right += out.predicted(i) == part.label(order[from + i]) ? 1 : 0;
        }
        return right;
    }

    private static ProgressBar bar(String task, long steps) {
        return new ProgressBarBuilder().setTaskName(task).setInitialMax(steps).setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(250).setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(System.err))
                .hideEta().build();
    }

    /** Evaluates the best-validation model on the test set and records the figures in its sidecar. */
    private static void finishBest(Path bestDir, NDManager root, TensorSet test, Digits testSet) throws IOException {
        if (test == null || !ModelFolder.isModel(bestDir)) {
            return;
        }
        try (ModelFolder.Loaded best = ModelFolder.load(bestDir, root)) {
            Inference.Outputs t = Inference.run(best.net(), test, EVAL_BATCH);
            ModelFolder.Sidecar s = best.sidecar();
            @SuppressWarnings("unchecked")
            Map<String, Object> m = new LinkedHashMap<>(new com.fasterxml.jackson.databind.ObjectMapper().convertValue(s.metrics(), Map.class));
            m.put("testLoss", t.loss(testSet.labels()));
            m.put("testAccuracy", t.accuracy(testSet.labels()));
            ModelFolder.save(bestDir, best.net(), ModelFolder.sidecar(best.net(), s.norm(), s.classNames(), s.training(), m));
        }
    }

    static Map<String, Object> metrics(EpochStats e, double testLoss, double testAccuracy) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("epoch", e.epoch());
        m.put("trainLoss", e.trainLoss());
        m.put("trainAccuracy", e.trainAccuracy());
        m.put("valLoss", e.valLoss());
        m.put("valAccuracy", e.valAccuracy());
        m.put("testLoss", testLoss);
        m.put("testAccuracy", testAccuracy);
        return m;
    }

    /** A run killed before its first checkpoint may have left a sidecar saying how it was configured. */
    private static TrainConfig configOfUnfinishedRun(Path out, TrainConfig requested) {
        if (!ModelFolder.isModel(out)) {
            if (!Files.isDirectory(out)) {
                throw new DigitlabException(out + ": no such run folder to resume");
            }
            return requested;
        }
        TrainConfig saved = TrainConfig.fromJson(ModelFolder.readSidecar(out).training());
        return saved == null ? requested : saved.withEpochs(Math.max(requested.epochs(), saved.epochs()));
    }

    /** Temporary files of writes a kill interrupted: never read, but not to pile up either. */
    private static void removeLeftovers(Path out) throws IOException {
        if (!Files.isDirectory(out)) {
            return;
        }
        for (Path dir : List.of(out, out.resolve("best"))) {
            if (Files.isDirectory(dir)) {
                try (var files = Files.list(dir)) {
                    for (Path p : files.filter(f -> f.getFileName().toString().startsWith(".")
                            && f.getFileName().toString().endsWith(".part")).toList()) {
                        Files.deleteIfExists(p);
                    }
                }
            }
        }
    }

    /** Whether a run was started in {@code dir}: it holds a checkpoint or a saved model, so it can be resumed. */
    public static boolean started(Path dir) {
        return Files.exists(dir.resolve(Checkpoint.FILE)) || ModelFolder.isModel(dir);
    }

    private static void refuseToOverwrite(Path out) {
        if (started(out)) {
            String what = ModelFolder.isModel(out) ? ModelFolder.readSidecar(out).architecture() + " run" : "run";
            throw new DigitlabException(out + " already holds a " + what + "; continue it with --resume " + out
                    + " or choose another --out");
        }
    }

    private static String balance(Digits d) {
        int[] counts = d.classCounts();
        StringBuilder sb = new StringBuilder();
        for (int c = 0; c < counts.length; c++) {
            sb.append(c == 0 ? "" : " ").append(c).append(':').append(counts[c]);
        }
        return sb.toString();
    }

    static int[] range(int n) {
        int[] a = new int[n];
        Arrays.setAll(a, i -> i);
        return a;
    }
}
