package dev.digitlab.train;

import dev.digitlab.data.Digits;
import java.io.IOException;
import java.util.List;

/**
 * Trains one model: a {@link Session} prepared in one call, then the loop (train an epoch, validate, tell the
 * listeners), then the final and the best model scored on the test set. Everything around the loop (saving, history,
 * checkpoints, console lines, progress) is in {@link TrainingListener}s ({@link Listeners} has the usual sets). A run
 * continued from a checkpoint ends with the history of a run that was never stopped: shuffling, augmentation and
 * dropout are seeded from (seed, epoch).
 */
public final class Trainer {
    private Trainer() {}

    /**
     * Trains {@code config} on {@code trainingSet} (split into train and validation) from {@code resumeFrom} (null:
     * from the start), evaluates the final and the best model on {@code testSet} (null: none) and tells {@code listeners}.
     */
    public static Result run(TrainConfig config, Digits trainingSet, Digits testSet, Checkpoint resumeFrom,
                             List<TrainingListener> listeners) throws IOException {
        Events events = new Events(listeners);
        try (Session s = Session.prepare(config, trainingSet, resumeFrom)) {
            events.started(new TrainingListener.Start(config, s.net, s.norm, s.trainPart, s.valPart.size(), s.steps,
                    s.history.size(), s.start()));
            while (!s.done()) {
                EpochStats stats = s.epoch(events);
                boolean improved = s.record(stats);
                events.epochEnded(new TrainingListener.Epoch(stats, s.net, improved, s.checkpoint()));
            }
            Session.Tested t = s.test(testSet);
            Result result = new Result(List.copyOf(s.history), t.last());
            events.finished(new TrainingListener.Finish(result, s.net, s.stop.triggered() && s.history.size() < config.epochs(), t.best()));
            return result;
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
}
