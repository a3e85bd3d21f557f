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
import java.util.function.Function;

/**
 * Trains one model: a hand-written loop on a gradient pass over batches sliced from data held on an NDArray, with
 * everything around it (saving, history, checkpoints, console lines, progress) in {@link TrainingListener}s. A run
 * continued from a checkpoint ends with the history of a run that was never stopped: shuffling, augmentation and
 * dropout are seeded from (seed, epoch).
 */
public final class Trainer {
    private static final int EVAL_BATCH = 1000;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
    private static final Loss LOSS = Loss.softmaxCrossEntropyLoss();

    /** The history and the final model's test figures (NaN without a test set). */
    public record Result(List<EpochStats> history, double testLoss, double testAccuracy) {}

    /** A model's loss and accuracy on the test set. */
    public record Score(double loss, double accuracy) {}

    private Trainer() {}

    /**
     * Trains {@code config} on {@code trainingSet} (split into train and validation) from {@code resumeFrom} (null:
     * from the start), evaluates the final model on {@code testSet} (null: none) and tells {@code listeners}.
     */
    public static Result run(TrainConfig config, Digits trainingSet, Digits testSet, Checkpoint resumeFrom,
                             List<TrainingListener> listeners) throws IOException {
        config.validate();
        Digits all = config.limit() > 0 && config.limit() < trainingSet.size() ? trainingSet.subset(range(config.limit())) : trainingSet;
        Split split = Split.of(all.size(), config.valSplit(), config.seed());
        Digits trainPart = all.subset(split.train());
        Digits valPart = all.subset(split.validation());
        Checkpoint.State saved = resumeFrom == null ? null : resumeFrom.state();
        Normalization norm = saved == null ? Normalization.of(config.normalize(), trainPart)
                : new Normalization(config.normalize().toString(), saved.mean(), saved.std());
        Architecture arch = Models.create(config.model());
        int steps = (trainPart.size() + config.batchSize() - 1) / config.batchSize();

        try (NDManager root = NDManager.newBaseManager(Devices.pick(config.device()));
             TensorSet train = new TensorSet(root, trainPart, arch.padding(), norm);
             TensorSet val = new TensorSet(root, valPart, arch.padding(), norm);
             Net net = Net.create(arch, root, config.seed());
             Optim optim = new Optim(config, LrSchedule.of(config, steps), net.manager())) {
            List<EpochStats> history = new ArrayList<>();
            EarlyStop stop = new EarlyStop(config.patience());
            if (saved != null) {
                net.loadParameterBytes(resumeFrom.parameters());
                optim.restoreState(resumeFrom.optimizer(), saved.optimizerStep());
                history.addAll(saved.history());
                stop = new EarlyStop(config.patience(), saved.bestValLoss(), saved.badEpochs());
            }
            Checkpoint start = resumeFrom != null ? resumeFrom : checkpoint(config, history, optim, net, stop, norm);
            Events events = new Events(listeners);
            events.started(new TrainingListener.Start(config, net, norm, trainPart, valPart.size(), steps, history.size(), start));
            while (history.size() < config.epochs() && !stop.triggered()) {
                int epoch = history.size() + 1;
                long t0 = System.nanoTime();
                double lr = optim.currentLr();
                double[] lossAcc = trainEpoch(net, optim, train, trainPart, config, epoch, events);
                Inference.Outputs v = Inference.run(net, val, EVAL_BATCH);
                EpochStats stats = new EpochStats(epoch, LocalDateTime.now().format(TIME), lossAcc[0], lossAcc[1],
                        v.loss(valPart.labels()), v.accuracy(valPart.labels()), lr, (System.nanoTime() - t0) / 1e9,
                        ResidentMemory.megabytes());
                history.add(stats);
                boolean improved = stop.record(valPart.size() > 0 ? stats.valLoss() : stats.trainLoss());
                events.epochEnded(new TrainingListener.Epoch(stats, net, improved, checkpoint(config, history, optim, net, stop, norm)));
            }
            Function<Net, Score> test = testSet == null ? null : n -> {
                try (TensorSet t = new TensorSet(root, testSet, arch.padding(), norm)) {
                    Inference.Outputs o = Inference.run(n, t, EVAL_BATCH);
                    return new Score(o.loss(testSet.labels()), o.accuracy(testSet.labels()));
                }
            };
            Score score = test == null ? new Score(Double.NaN, Double.NaN) : test.apply(net);
            Result result = new Result(history, score.loss(), score.accuracy());
            events.finished(new TrainingListener.Finish(result, net, stop.triggered() && history.size() < config.epochs(), test));
            return result;
        }
    }

    /** Everything needed to continue after the last epoch in {@code history}, built in this one place. */
    private static Checkpoint checkpoint(TrainConfig config, List<EpochStats> history, Optim optim, Net net, EarlyStop stop,
                                         Normalization norm) throws IOException {
        return new Checkpoint(new Checkpoint.State(config, history.size(), optim.stepCount(), stop.best(), stop.bad(),
                norm.mean(), norm.std(), List.copyOf(history)), net.parameterBytes(), optim.encodeState());
    }

    /** One pass over the training data in a seeded order; returns mean loss and accuracy. */
    static double[] trainEpoch(Net net, Optim optim, TensorSet train, Digits part, TrainConfig c, int epoch, Events events) {
        long epochSeed = c.seed() * 7919 + epoch;
        Engine.getInstance().setRandomSeed((int) epochSeed); // dropout masks
        int[] order = range(train.size());
        Split.shuffle(order, new Random(epochSeed));
        var params = net.trainableParameters();
        Augmentation warp = c.augmentation();
        Random warps = new Random(~epochSeed);
        int steps = (train.size() + c.batchSize() - 1) / c.batchSize();
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

    /** Stops after {@code patience} epochs without a better watched loss (0: never); remembers the best. */
    private static final class EarlyStop {
        private final int patience;
        private double best;
        private int bad;

        EarlyStop(int patience) {
            this(patience, Double.POSITIVE_INFINITY, 0);
        }

        EarlyStop(int patience, double best, int bad) {
            this.patience = patience;
            this.best = best;
            this.bad = bad;
        }

        /** Records an epoch's watched loss; true when it is the best so far. */
        boolean record(double loss) {
            if (loss < best) {
                best = loss;
                bad = 0;
                return true;
            }
            bad++;
            return false;
        }

        boolean triggered() {
            return patience > 0 && bad >= patience;
        }

        double best() {
            return best;
        }

        int bad() {
            return bad;
        }
    }

    /** The listeners, called in order. */
    record Events(List<TrainingListener> listeners) implements TrainingListener {
        @Override
        public void started(Start s) {
            listeners.forEach(l -> l.started(s));
        }

        @Override
        public void step(Step s) {
            for (TrainingListener l : listeners) {
                l.step(s);
            }
        }

        @Override
        public void epochEnded(Epoch e) {
            listeners.forEach(l -> l.epochEnded(e));
        }

        @Override
        public void finished(Finish f) {
            listeners.forEach(l -> l.finished(f));
        }
    }

    static int[] range(int n) {
        int[] a = new int[n];
        Arrays.setAll(a, i -> i);
        return a;
    }
}
