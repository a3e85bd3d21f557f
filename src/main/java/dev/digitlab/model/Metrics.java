package dev.digitlab.model;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * A saved model's figures, as model.json's {@code metrics} and ensemble.json's hold them: null where the model has
 * none (an imported model was never tested; a run without validation has NaN losses). Fields a later digitlab adds
 * are ignored when this one reads them.
 *
 * @param epoch                   the epoch the weights are from (0: untrained)
 * @param testLoss                on the test set; NaN for a run trained without one (a Kaggle train.csv)
 * @param heldOutFeedbackAccuracy a learned model's accuracy on the drawings held out of its learning
 * @param memberTestAccuracies    an ensemble's members', in member order
 * @param learned                 an ensemble's record of the learn that made it (a model keeps it in its source)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record Metrics(Integer epoch, Double trainLoss, Double trainAccuracy, Double valLoss, Double valAccuracy,
                      Double testLoss, Double testAccuracy, Double heldOutFeedbackAccuracy,
                      List<Double> memberTestAccuracies, JsonNode learned) {

    public static final Metrics NONE = new Metrics(null, null, null, null, null, null, null, null, null, null);

    /** Test figures only: an ensemble's, or a learned model's (with its held-out accuracy, or null). */
    public static Metrics tested(double testLoss, double testAccuracy) {
        return NONE.withTest(testLoss, testAccuracy);
    }

    /** These figures with the test set's. */
    public Metrics withTest(double loss, double accuracy) {
        return new Metrics(epoch, trainLoss, trainAccuracy, valLoss, valAccuracy, loss, accuracy, heldOutFeedbackAccuracy,
                memberTestAccuracies, learned);
    }

    public Metrics withHeldOut(double accuracy) {
        return new Metrics(epoch, trainLoss, trainAccuracy, valLoss, valAccuracy, testLoss, testAccuracy, accuracy,
                memberTestAccuracies, learned);
    }

    public Metrics withMembers(List<Double> accuracies) {
        return new Metrics(epoch, trainLoss, trainAccuracy, valLoss, valAccuracy, testLoss, testAccuracy,
                heldOutFeedbackAccuracy, accuracies, learned);
    }

    public Metrics withLearned(JsonNode record) {
        return new Metrics(epoch, trainLoss, trainAccuracy, valLoss, valAccuracy, testLoss, testAccuracy,
                heldOutFeedbackAccuracy, memberTestAccuracies, record);
    }

    /** Whether the model was scored on a test set: a finished run's last write. */
    @JsonIgnore
    public boolean isTested() {
        return testAccuracy != null && !testAccuracy.isNaN();
    }

    /** The test accuracy, NaN when there is none. */
    @JsonIgnore
    public double accuracy() {
        return isTested() ? testAccuracy : Double.NaN;
    }

    /** The test loss, NaN when there is none. */
    @JsonIgnore
    public double loss() {
        return testLoss == null ? Double.NaN : testLoss;
    }
}
