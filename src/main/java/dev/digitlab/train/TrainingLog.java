package dev.digitlab.train;

import dev.digitlab.data.Augmentation;
import dev.digitlab.data.Digits;
import java.util.Locale;
import java.util.Set;
import java.util.function.Consumer;

/** The run's lines for a person: what is trained on what, one line per epoch, an early stop. */
public final class TrainingLog implements TrainingListener {
    private final Consumer<String> log;
    private int patience;

    public TrainingLog(Consumer<String> log) {
        this.log = log;
    }

    @Override
    public void started(Start s) {
        TrainConfig c = s.config();
        patience = c.patience();
        if (s.epochsDone() > 0) {
            log.accept("resuming after epoch " + s.epochsDone() + " of " + c.epochs());
            String redrawn = redrawn(s.checkpoint().state(), c, s.stepsPerEpoch());
            if (redrawn != null) {
                log.accept(redrawn);
            }
        }
        log.accept(String.format("training %s on %d images (%d for validation), %s, batch %d, lr %s, normalisation %s (%.4f/%.4f)",
                c.model(), s.trainPart().size(), s.validationSize(), c.optimizer(), c.batchSize(), c.lr(),
                s.norm().name(), s.norm().mean(), s.norm().std()));
        String recipe = Recipes.provenance(c);
        if (recipe != null) {
            log.accept(recipe);
        }
        Augmentation a = c.augmentation();
        if (a != null) {
            log.accept(String.format("augmentation: rotate up to %s degrees, zoom up to %s, shift up to %s of the side%s",
                    a.rotate(), a.zoom(), a.shift(), a.flip() ? ", half mirrored left to right" : ""));
        }
        log.accept("class balance (training part): " + balance(s.trainPart()));
    }

    /**
     * What more epochs do to a schedule drawn over the whole run (one-cycle, cosine): it is drawn again over the new
     * count, so the rate jumps to the longer curve's at this step. Said, not refused: more epochs at the old curve's
     * end would train at next to no rate. Null when nothing is redrawn.
     */
    static String redrawn(Checkpoint.State before, TrainConfig now, int stepsPerEpoch) {
        TrainConfig was = before.config();
        if (was.epochs() == now.epochs() || !Set.of(TrainConfig.Schedule.ONECYCLE, TrainConfig.Schedule.COSINE).contains(now.lrSchedule())) {
            return null;
        }
        long t = before.optimizerStep();
        return String.format(Locale.ROOT, "the %s schedule is drawn again over %d epochs instead of %d: the rate goes on at %.3g "
                        + "where the %d-epoch curve was at %.3g (a run started with %d epochs would have had other rates before)",
                now.lrSchedule(), now.epochs(), was.epochs(), LrSchedule.of(now, stepsPerEpoch).at(t), was.epochs(),
                LrSchedule.of(was, stepsPerEpoch).at(t), now.epochs());
    }

    @Override
    public void epochEnded(Epoch e) {
        log.accept(e.stats().line(e.checkpoint().state().config().epochs()));
    }

    @Override
    public void finished(Finish f) {
        if (f.earlyStop()) {
            log.accept("early stop: validation loss has not improved for " + patience + " epochs");
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
}
