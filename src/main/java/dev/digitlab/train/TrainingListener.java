package dev.digitlab.train;

import dev.digitlab.data.Digits;
import dev.digitlab.data.Normalization;
import dev.digitlab.model.Net;

/**
 * What happens around the training loop, outside it (as DJL's TrainingListener): the run folder, the console
 * lines, a progress bar, a dashboard, TensorBoard logs. Listeners are called in the order given, on the training
 * thread; one that throws stops the run there.
 */
public interface TrainingListener {

    /** The run begins, or continues after {@code epochsDone} epochs from {@code checkpoint}. */
    record Start(TrainConfig config, Net net, Normalization norm, Digits trainPart, int validationSize, int stepsPerEpoch,
                 int epochsDone, Checkpoint checkpoint) {}

    /**
     * A training step ended: its batch's mean loss, how many of its images the model got right, the rate used, and
     * the optimiser's step count since the run began (it carries on across a resume).
     */
    record Step(int epoch, int step, int stepsPerEpoch, int images, double loss, int correct, double lr, long globalStep) {}

    /**
     * An epoch ended. {@code improved}: the watched loss (validation, else training) is the best so far, so this
     * model is the best one. {@code checkpoint}: everything needed to continue after this epoch.
     */
    record Epoch(EpochStats stats, Net net, boolean improved, Checkpoint checkpoint) {}

    /**
     * The run ended (after its last epoch or an early stop). {@code best}: the test figures of the best epoch's model
     * (the last one's when they are the same epoch); null without a test set, or when the best epoch's weights are
     * unknown (a run continued from a checkpoint written before they were kept in it).
     */
    record Finish(Result result, Net net, boolean earlyStop, Score best) {}

    default void started(Start start) {}

    default void step(Step step) {}

    default void epochEnded(Epoch epoch) {}

    default void finished(Finish finish) {}
}
