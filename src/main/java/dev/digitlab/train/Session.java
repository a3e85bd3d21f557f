package dev.digitlab.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.loss.Loss;
import dev.digitlab.data.Augmentation;
import dev.digitlab.data.Digits;
import dev.digitlab.data.Normalization;
import dev.digitlab.data.Split;
import dev.digitlab.data.TensorSet;
import dev.digitlab.model.Architecture;
import dev.digitlab.model.Devices;
import dev.digitlab.model.Inference;
import dev.digitlab.model.Models;
import dev.digitlab.model.Net;
import java.io.IOException;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Everything a run trains with, set up in one place ({@link #prepare}): the data split and normalised, the network
 * and optimiser, restored from a checkpoint when the run continues; then what the loop asks of it, one call per
 * line of {@link Trainer#run}: train an epoch, validate, checkpoint, score on the test set.
 */
final class Session implements AutoCloseable {
    private static final int EVAL_BATCH = 1000;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
    private static final Loss LOSS = Loss.softmaxCrossEntropyLoss();

    final TrainConfig config;
    final Digits trainPart;
    final Digits valPart;
    final Normalization norm;
    final Net net;
    final List<EpochStats> history = new ArrayList<>();
    final EarlyStop stop;
    final int steps;
    private final NDManager root;
    private final TensorSet train;
    private final TensorSet val;
    private final Optim optim;
    private final Checkpoint resumedFrom;
    private byte[] bestSoFar; // the best epoch's weights (null: unknown, in a run continued from an older checkpoint)

    private Session(TrainConfig config, Digits trainPart, Digits valPart, Normalization norm, Checkpoint resumedFrom)
            throws IOException {
        this.config = config;
        this.trainPart = trainPart;
        this.valPart = valPart;
        this.norm = norm;
        this.resumedFrom = resumedFrom;
        Architecture arch = Models.create(config.model());
        steps = (trainPart.size() + config.batchSize() - 1) / config.batchSize();
        root = NDManager.newBaseManager(Devices.pick(config.device()));
        Checkpoint.State saved = resumedFrom == null ? null : resumedFrom.state();
        stop = saved == null ? new EarlyStop(config.patience(), Double.POSITIVE_INFINITY, 0)
                : new EarlyStop(config.patience(), saved.bestValLoss(), saved.badEpochs());
        try {
            train = new TensorSet(root, trainPart, arch.padding(), norm);
            val = new TensorSet(root, valPart, arch.padding(), norm);
            net = Net.create(arch, root, config.seed());
            optim = new Optim(config, LrSchedule.of(config, steps), net.manager());
            if (saved != null) {
                net.loadParameterBytes(resumedFrom.parameters());
                optim.restoreState(resumedFrom.optimizer(), saved.optimizerStep());
                history.addAll(saved.history());
                bestSoFar = resumedFrom.best();
            }
        } catch (IOException | RuntimeException e) {
            root.close(); // and with it everything made on it
            throw e;
        }
    }

    /**
     * The session for {@code config} on {@code trainingSet} (cut to its limit, split into train and validation,
     * normalised by the train part's figures or the checkpoint's), from {@code resumeFrom} (null: from the start).
     */
    static Session prepare(TrainConfig config, Digits trainingSet, Checkpoint resumeFrom) throws IOException {
        config.validate();
        Digits all = config.limit() > 0 && config.limit() < trainingSet.size() ? trainingSet.subset(range(config.limit())) : trainingSet;
        Split split = Split.of(all.size(), config.valSplit(), config.seed());
        Digits trainPart = all.subset(split.train());
        Digits valPart = all.subset(split.validation());
        Checkpoint.State saved = resumeFrom == null ? null : resumeFrom.state();
        Normalization norm = saved == null ? Normalization.of(config.normalize(), trainPart)
                : new Normalization(config.normalize().toString(), saved.mean(), saved.std());
        return new Session(config, trainPart, valPart, norm, resumeFrom);
    }

    boolean done() {
        return history.size() >= config.epochs() || stop.triggered();
    }

    /** The checkpoint the run continues from, or one of the untrained start. */
    Checkpoint start() throws IOException {
        return resumedFrom != null ? resumedFrom : checkpoint();
    }

    /** One pass over the training data in a seeded order, then the validation set: the epoch's figures. */
    EpochStats epoch(TrainingListener events) {
        int epoch = history.size() + 1;
        long t0 = System.nanoTime();
        double lr = optim.currentLr();
        double[] lossAcc = trainEpoch(net, optim, train, trainPart, config, epoch, events);
        Inference.Outputs v = Inference.run(net, val, EVAL_BATCH);
        return new EpochStats(epoch, LocalDateTime.now().format(TIME), lossAcc[0], lossAcc[1], v.loss(valPart.labels()),
                v.accuracy(valPart.labels()), lr, (System.nanoTime() - t0) / 1e9, ResidentMemory.megabytes());
    }

    /** Records the epoch: in the history, and against the watched loss (validation, else training); true if best. */
    boolean record(EpochStats stats) {
        history.add(stats);
        return stop.record(valPart.size() > 0 ? stats.valLoss() : stats.trainLoss());
    }

    /** Everything needed to continue after the last epoch in the history, built in this one place. */
    Checkpoint checkpoint() throws IOException {
        byte[] parameters = net.parameterBytes();
        if (stop.bad() == 0) {
            bestSoFar = parameters;
        }
        return new Checkpoint(new Checkpoint.State(config, history.size(), optim.stepCount(), stop.best(), stop.bad(),
                norm.mean(), norm.std(), List.copyOf(history)), parameters, optim.encodeState(),
                stop.bad() == 0 ? null : bestSoFar);
    }

    /** The final model's test figures and the best epoch's (null: its weights are unknown, or there is no test set). */
    record Tested(Score last, Score best) {}

    Tested test(Digits testSet) throws IOException {
        if (testSet == null) {
            return new Tested(Score.NONE, null);
        }
        Score last = score(net, testSet);
        if (stop.bad() == 0 || bestSoFar == null) {
            return new Tested(last, stop.bad() == 0 ? last : null);
        }
        // a network of its own: the architecture's blocks hold the weights, so the trained one's cannot be reused
        try (Net best = Net.create(Models.create(config.model()), root, config.seed())) {
            best.loadParameterBytes(bestSoFar);
            return new Tested(last, score(best, testSet));
        }
    }

    private Score score(Net n, Digits testSet) {
        try (TensorSet t = new TensorSet(root, testSet, n.architecture().padding(), norm)) {
            Inference.Outputs o = Inference.run(n, t, EVAL_BATCH);
            return new Score(o.loss(testSet.labels()), o.accuracy(testSet.labels()));
        }
    }

    /** One pass over the training data in a seeded order; returns mean loss and accuracy. */
    static double[] trainEpoch(Net net, Optim optim, TensorSet train, Digits part, TrainConfig c, int epoch,
                               TrainingListener events) {
        int steps = (train.size() + c.batchSize() - 1) / c.batchSize();
        long epochSeed = c.seed() * 7919 + epoch;
        Engine.getInstance().setRandomSeed((int) epochSeed); // dropout masks
        int[] order = range(train.size());
        Split.shuffle(order, new Random(epochSeed));
        var params = net.trainableParameters();
        Augmentation warp = c.augmentation();
        Random warps = new Random(~epochSeed);
        double lossSum = 0;
        long correct = 0;
        try (TensorSet.Shuffled data = warp == null ? train.shuffled(net.manager(), order) : null) {
            for (int from = 0, step = 1; from < train.size(); from += c.batchSize(), step++) {
                int to = Math.min(train.size(), from + c.batchSize());
                try (NDManager m = net.manager().newSubManager()) {
                    NDArray x = warp == null ? data.images(m, from, to) : train.augmented(m, order, from, to, warp, warps);
                    NDArray y = warp == null ? data.labels(m, from, to) : train.labels(m, order, from, to);
                    NDList pass = net.trainingPass(x, scores -> LOSS.evaluate(new NDList(y), new NDList(scores)));
                    double lr = optim.currentLr();
                    optim.step(params);
                    float loss = pass.get(1).toFloatArray()[0]; // getFloat() would index a new array first
                    int right = correct(pass.get(0), part, order, from);
                    lossSum += loss * (to - from);
                    correct += right;
                    events.step(new TrainingListener.Step(epoch, step, steps, to - from, loss, right, lr, optim.stepCount()));
                }
            }
        }
        return new double[] {lossSum / train.size(), correct / (double) train.size()};
    }

    /**
     * How many of the batch's images starting at {@code order[from]} the logits classify right, counted in Java from
     * one copy of the logits rather than by argmax, compare and sum on the engine (cheaper; docs/PERFORMANCE.md).
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

    static int[] range(int n) {
        int[] a = new int[n];
        Arrays.setAll(a, i -> i);
        return a;
    }

    @Override
    public void close() {
        try (root; train; val; net; optim) {
            // closed in reverse order by try-with-resources
        }
    }
}
