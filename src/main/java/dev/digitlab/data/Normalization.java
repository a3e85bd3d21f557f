package dev.digitlab.data;

import dev.digitlab.DigitlabException;

/**
 * How pixel values in [0, 1] are shifted and scaled before the model sees them: {@code (x - mean) / std}.
 * {@code mnist} uses the training set's own statistics (about 0.1307 / 0.3081 for MNIST), {@code half}
 * maps [0, 1] to [-1, 1] as the 0.5/0.5 tutorials do, {@code none} leaves [0, 1].
 */
public record Normalization(String name, double mean, double std) {

    public static Normalization of(String name, Digits training) {
        return switch (name) {
            case "mnist" -> {
                double[] ms = training.meanStd();
                yield new Normalization("mnist", ms[0], ms[1]);
            }
            case "half" -> new Normalization("half", 0.5, 0.5);
            case "none" -> new Normalization("none", 0.0, 1.0);
            default -> throw new DigitlabException("unknown --normalize '" + name + "' (expected mnist, half or none)");
        };
    }

    /**
     * The normalised value of a raw pixel byte, in the same float arithmetic as the batches get on the engine
     * ({@code v * scale() - shift()}), so a single request sees exactly the inputs an evaluation does.
     */
    public float apply(int pixel) {
        return pixel * scale() - shift();
    }

    /** Normalising a pixel value v in 0-255 is {@code v * scale() - shift()}. */
    public float scale() {
        return (float) (1.0 / (255.0 * std));
    }

    public float shift() {
        return (float) (mean / std);
    }
}
