package dev.digitlab.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.digitlab.DigitlabException;
import dev.digitlab.data.Augmentation;
import java.util.List;

/**
 * Everything that decides a training run, as saved in the checkpoint and the model sidecar.
 * {@code limit} trains on the first {@code limit} images only (0 = all): for quick runs and tests.
 * {@code augmentation} is null when training images are used as they are (and in files from before it existed).
 */
public record TrainConfig(
        String model, String dataset, String dataFile, int epochs, int batchSize, double lr, String optimizer,
        double momentum, double weightDecay, double beta1, double beta2, String lrSchedule, int stepEpochs,
        double gamma, double valSplit, long seed, String normalize, int patience, String device, int limit,
        Augmentation augmentation) {

    static final List<String> OPTIMIZERS = List.of("adam", "sgd");
    static final List<String> SCHEDULES = List.of("none", "step", "cosine", "onecycle");

    /** Rejects nonsense before any work is done, naming the option. */
    public TrainConfig validate() {
        check(epochs >= 1, "--epochs must be at least 1, got " + epochs);
        check(batchSize >= 1, "--batch-size must be at least 1, got " + batchSize);
        check(lr > 0 && Double.isFinite(lr), "--lr must be a positive number, got " + lr);
        check(OPTIMIZERS.contains(optimizer), "--optimizer must be adam or sgd, got '" + optimizer + "'");
        check(momentum >= 0 && momentum < 1, "--momentum must be in [0, 1), got " + momentum);
        check(weightDecay >= 0 && Double.isFinite(weightDecay), "--weight-decay must be >= 0, got " + weightDecay);
        check(beta1 >= 0 && beta1 < 1, "--beta1 must be in [0, 1), got " + beta1);
        check(beta2 >= 0 && beta2 < 1, "--beta2 must be in [0, 1), got " + beta2);
        check(SCHEDULES.contains(lrSchedule), "--lr-schedule must be one of none, step, cosine, onecycle, got '"
                + lrSchedule + "'");
        check(stepEpochs >= 1, "--lr-step-epochs must be at least 1, got " + stepEpochs);
        check(gamma > 0 && gamma <= 1, "--lr-gamma must be in (0, 1], got " + gamma);
        check(valSplit >= 0 && valSplit < 1, "--val-split must be in [0, 1), got " + valSplit);
        check(patience >= 0, "--patience must be >= 0 (0 = no early stopping), got " + patience);
        check(List.of("cpu", "gpu", "auto").contains(device), "--device must be cpu, gpu or auto, got '" + device + "'");
        check(limit >= 0, "--limit must be >= 0, got " + limit);
        if (augmentation != null) {
            augmentation.validate();
        }
        return this;
    }

    /** The configuration a sidecar or checkpoint recorded, or null if this digitlab cannot read it. */
    public static TrainConfig fromJson(JsonNode json) {
        try {
            return new ObjectMapper().treeToValue(json, TrainConfig.class);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            return null;
        }
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new DigitlabException(message);
        }
    }

    public TrainConfig withSeed(long newSeed) {
        return new TrainConfig(model, dataset, dataFile, epochs, batchSize, lr, optimizer, momentum, weightDecay,
                beta1, beta2, lrSchedule, stepEpochs, gamma, valSplit, newSeed, normalize, patience, device, limit,
                augmentation);
    }

    public TrainConfig withEpochs(int newEpochs) {
        return new TrainConfig(model, dataset, dataFile, newEpochs, batchSize, lr, optimizer, momentum, weightDecay,
                beta1, beta2, lrSchedule, stepEpochs, gamma, valSplit, seed, normalize, patience, device, limit,
                augmentation);
    }
}
