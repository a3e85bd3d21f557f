package dev.digitlab.train;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import dev.digitlab.DigitlabException;
import dev.digitlab.data.Augmentation;
import dev.digitlab.data.Digits;
import dev.digitlab.data.Split;
import dev.digitlab.data.TensorSet;
import dev.digitlab.model.ModelFolder;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;

/**
 * Fine-tunes one saved model on feedback rows mixed with replayed training images, and saves the result as a model
 * folder of its own, with the parent's architecture, normalisation, training record and figures (the caller records
 * what it learned from and how it did). Each epoch passes once over the feedback and over {@code replay} times as many training images,
 * drawn afresh, shuffled together; Adam's rate falls from {@code lr} to 0 on a cosine over the whole fine-tune.
 */
public final class FineTune {
    private FineTune() {}

    /** Fine-tunes the model in {@code parent} on {@code rows}, replaying images of {@code replay}, into {@code out}. */
    public static void run(Path parent, Digits rows, Digits replay, LearnConfig c, Path out) throws IOException {
        try (NDManager root = NDManager.newBaseManager(); ModelFolder.Loaded model = ModelFolder.load(parent, root)) {
            if (model.net().architecture().scripted()) {
                throw new DigitlabException(parent + " holds a TorchScript module; learn fine-tunes zoo models only");
            }
            model.net().makeTrainable();
            JsonNode saved = model.sidecar().training();
            TrainConfig parentConfig = saved == null ? null : TrainConfig.fromJson(saved);
            Augmentation warp = c.augment() && parentConfig != null ? parentConfig.augmentation() : null;
            TrainConfig config = TrainConfig.builder().model(model.sidecar().architecture()).epochs(c.epochs())
                    .batchSize(c.batchSize()).lr(c.lr()).optimizer(TrainConfig.Optimizer.ADAM)
                    .lrSchedule(TrainConfig.Schedule.COSINE).seed(c.seed()).augmentation(warp).recipe("learn").build();
            int perEpoch = rows.size() * (1 + c.replay());
            int steps = (perEpoch + c.batchSize() - 1) / c.batchSize();
            Random draws = new Random(c.seed());
            try (Optim optim = new Optim(config, LrSchedule.of(config, steps), model.net().manager())) {
                for (int epoch = 1; epoch <= c.epochs(); epoch++) {
                    Digits mix = rows.concat(replay.subset(Split.sample(replay.size(), rows.size() * c.replay(), draws)));
                    try (TensorSet set = new TensorSet(root, mix, model.net().architecture().padding(), model.sidecar().norm())) {
                        Session.trainEpoch(model.net(), optim, set, mix, config, epoch, new TrainingListener() {});
                    }
                }
            }
            ModelFolder.save(out, model.net(), ModelFolder.sidecar(model.net(), model.sidecar().norm(),
                    model.sidecar().classNames(), saved, model.sidecar().metrics()));
        }
    }
}
