package dev.digitlab.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.digitlab.data.TensorSet;

/** Runs a network over a whole set in inference mode and keeps the scores (N x classes) on the Java side. */
public final class Inference {
    private Inference() {}

    /** The scores of every image in {@code set}, in order, {@code batch} images at a time. */
    public static Outputs run(Net net, TensorSet set, int batch) {
        int n = set.size();
        float[] logits = null;
        int classes = 0;
        for (int from = 0; from < n; from += batch) {
            int to = Math.min(n, from + batch);
            try (NDManager step = net.manager().newSubManager()) {
                NDArray out = net.forward(set.images(step, from, to), false);
                float[] part = out.toFloatArray();
                if (logits == null) {
                    classes = (int) out.getShape().get(1);
                    logits = new float[n * classes];
                }
                System.arraycopy(part, 0, logits, from * classes, part.length);
            }
        }
        return new Outputs(logits == null ? new float[0] : logits, n, classes);
    }

    /** Scores for {@code n} images; turns them into predictions, probabilities, loss and accuracy. */
    public record Outputs(float[] logits, int n, int classes) {

        /** Outputs whose softmax gives {@code p} (n x classes, rows summing to 1): the logits are log p. */
        public static Outputs ofProbabilities(double[] p, int n, int classes) {
            float[] logits = new float[p.length];
            for (int i = 0; i < p.length; i++) {
                logits[i] = (float) Math.log(Math.max(p[i], 1e-30));
            }
            return new Outputs(logits, n, classes);
        }

        public int predicted(int i) {
            int best = 0;
            for (int c = 1; c < classes; c++) {
                best = logits[i * classes + c] > logits[i * classes + best] ? c : best;
            }
            return best;
        }

        /** Softmax of image {@code i}'s scores. */
        public double[] probabilities(int i) {
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < classes; c++) {
                max = Math.max(max, logits[i * classes + c]);
            }
            double[] p = new double[classes];
            double sum = 0;
            for (int c = 0; c < classes; c++) {
                p[c] = Math.exp(logits[i * classes + c] - max);
                sum += p[c];
            }
            for (int c = 0; c < classes; c++) {
                p[c] /= sum;
            }
            return p;
        }

        /** Mean cross-entropy against {@code labels}. */
        public double loss(byte[] labels) {
            double total = 0;
            for (int i = 0; i < n; i++) {
                total -= Math.log(Math.max(probabilities(i)[labels[i]], 1e-45));
            }
            return n == 0 ? Double.NaN : total / n;
        }

        public double accuracy(byte[] labels) {
            int right = 0;
            for (int i = 0; i < n; i++) {
                right += predicted(i) == labels[i] ? 1 : 0;
            }
            return n == 0 ? Double.NaN : right / (double) n;
        }
    }

    /** The class with the highest probability (the first of equals): what every prediction in digitlab answers. */
    public static int argmax(double[] probabilities) {
        int best = 0;
        for (int c = 1; c < probabilities.length; c++) {
            best = probabilities[c] > probabilities[best] ? c : best;
        }
        return best;
    }
}
