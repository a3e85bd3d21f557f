package dev.digitlab.train;

/** A model's loss and accuracy on the test set; {@link #NONE} without one. */
public record Score(double loss, double accuracy) {
    public static final Score NONE = new Score(Double.NaN, Double.NaN);
}
