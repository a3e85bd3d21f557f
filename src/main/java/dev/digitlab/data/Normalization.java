package dev.digitlab.data;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.digitlab.Choice;

/**
 * How pixel values in [0, 1] are shifted and scaled before the model sees them: {@code (x - mean) / std}.
 * {@code mnist} uses the training set's own statistics (about 0.1307 / 0.3081 for MNIST), {@code half}
 * maps [0, 1] to [-1, 1] as the 0.5/0.5 tutorials do, {@code none} leaves [0, 1].
 */
public record Normalization(String name, double mean, double std) {

    /** How a training run chooses its normalisation. */
    public enum Method {
        MNIST, HALF, NONE;

        @JsonValue
        @Override
        public String toString() {
            return Choice.label(this);
        }

        @JsonCreator
        public static Method parse(String text) {
            return Choice.parse(Method.class, text, "normalize");
        }
    }

    public static Normalization of(Method method, Digits training) {
        return switch (method) {
            case MNIST -> {
                double[] ms = training.meanStd();
                yield new Normalization("mnist", ms[0], ms[1]);
            }
            case HALF -> new Normalization("half", 0.5, 0.5);
            case NONE -> new Normalization("none", 0.0, 1.0);
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
