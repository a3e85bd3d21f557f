package dev.digitlab.train;

import java.util.List;

/** What a run left: its history and the final model's test figures ({@link Score#NONE} without a test set). */
public record Result(List<EpochStats> history, Score test) {
    public double testLoss() {
        return test.loss();
    }

    public double testAccuracy() {
        return test.accuracy();
    }
}
