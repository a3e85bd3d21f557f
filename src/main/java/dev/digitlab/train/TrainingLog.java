package dev.digitlab.train;

import dev.digitlab.data.Augmentation;
import dev.digitlab.data.Digits;
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
