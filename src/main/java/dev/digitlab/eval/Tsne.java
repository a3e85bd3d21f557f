package dev.digitlab.eval;

import dev.digitlab.data.Digits;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.IntStream;

/**
 * Exact t-SNE (van der Maaten and Hinton, 2008) for up to a few thousand points: perplexity-calibrated affinities,
 * early exaggeration, momentum and per-coordinate gains. Plain Java over float arrays, in parallel by rows: for
 * N = 2,000 one iteration is a few million pair updates, which this does faster than a chain of NDArray calls.
 */
public final class Tsne {
    public static final int MAX_POINTS = 5000;
    private static final int ITERATIONS = 1000;
    private static final int EXAGGERATION_ITERATIONS = 250;

    private Tsne() {}

    /** Embeds {@code x} (n rows) in 2-D; the same input and seed give the same picture. */
    public static double[][] embed(double[][] x, double perplexity, long seed) {
        int n = x.length;
        if (n > MAX_POINTS) {
            throw new IllegalArgumentException("exact t-SNE takes at most " + MAX_POINTS + " points, got " + n);
        }
        if (n < 4) {
            throw new IllegalArgumentException("t-SNE needs at least 4 points, got " + n);
        }
        float[] p = affinities(x, Math.min(perplexity, (n - 1) / 3.0));
        Random random = new Random(seed);
        double[] y = new double[2 * n];
        for (int i = 0; i < y.length; i++) {
            y[i] = random.nextGaussian() * 1e-4;
        }
        double[] velocity = new double[2 * n];
        double[] gains = new double[2 * n];
        Arrays.fill(gains, 1.0);
        double learningRate = Math.max(n / 12.0, 50); // the "auto" rate of openTSNE and scikit-learn
        double[] grad = new double[2 * n];
        float[] num = new float[n * n];
        for (int it = 0; it < ITERATIONS; it++) {
            double exaggeration = it < EXAGGERATION_ITERATIONS ? 12.0 : 1.0;
            double momentum = it < EXAGGERATION_ITERATIONS ? 0.5 : 0.8;
            gradient(p, y, n, exaggeration, num, grad);
            for (int i = 0; i < 2 * n; i++) {
                gains[i] = Math.signum(grad[i]) != Math.signum(velocity[i]) ? gains[i] + 0.2 : Math.max(gains[i] * 0.8, 0.01);
                velocity[i] = momentum * velocity[i] - learningRate * gains[i] * grad[i];
                y[i] += velocity[i];
            }
            centre(y, n);
        }
        double[][] out = new double[n][2];
        for (int i = 0; i < n; i++) {
            out[i][0] = y[2 * i];
            out[i][1] = y[2 * i + 1];
        }
        return out;
    }

    /** Symmetrised input affinities P, each row calibrated by binary search to the given perplexity. */
    static float[] affinities(double[][] x, double perplexity) {
        int n = x.length;
        double[] sq = new double[n * n];
        IntStream.range(0, n).parallel().forEach(i -> {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int k = 0; k < x[i].length; k++) {
                    double d = x[i][k] - x[j][k];
                    s += d * d;
                }
                sq[i * n + j] = s;
            }
        });
        double target = Math.log(perplexity);
        float[] p = new float[n * n];
        IntStream.range(0, n).parallel().forEach(i -> {
            double beta = 1;
            double lo = Double.NEGATIVE_INFINITY;
            double hi = Double.POSITIVE_INFINITY;
            double minD = Double.POSITIVE_INFINITY;
            for (int j = 0; j < n; j++) {
                if (j != i) {
                    minD = Math.min(minD, sq[i * n + j]);
                }
            }
            double[] row = new double[n];
            for (int step = 0; step < 100; step++) {
                double sum = 0;
                double weighted = 0;
                for (int j = 0; j < n; j++) {
                    row[j] = j == i ? 0 : Math.exp(-(sq[i * n + j] - minD) * beta); // shifted for stability
                    sum += row[j];
                    weighted += row[j] * (sq[i * n + j] - minD);
                }
                double entropy = Math.log(sum) + beta * weighted / sum;
                double diff = entropy - target;
                if (Math.abs(diff) < 1e-5) {
                    break;
                }
                if (diff > 0) {
                    lo = beta;
                    beta = hi == Double.POSITIVE_INFINITY ? beta * 2 : (beta + hi) / 2;
                } else {
                    hi = beta;
                    beta = lo == Double.NEGATIVE_INFINITY ? beta / 2 : (beta + lo) / 2;
                }
            }
            double sum = 0;
            for (double v : row) {
                sum += v;
            }
            for (int j = 0; j < n; j++) {
                p[i * n + j] = (float) (row[j] / sum);
            }
        });
        float[] sym = new float[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                sym[i * n + j] = (float) Math.max((p[i * n + j] + p[j * n + i]) / (2.0 * n), 1e-12);
            }
        }
        return sym;
    }

    private static void gradient(float[] p, double[] y, int n, double exaggeration, float[] num, double[] grad) {
        double z = IntStream.range(0, n).parallel().mapToDouble(i -> {
            double s = 0;
            for (int j = 0; j < n; j++) {
                if (j == i) {
                    num[i * n + j] = 0;
                    continue;
                }
                double dx = y[2 * i] - y[2 * j];
                double dy = y[2 * i + 1] - y[2 * j + 1];
                float q = (float) (1.0 / (1.0 + dx * dx + dy * dy));
                num[i * n + j] = q;
                s += q;
            }
            return s;
        }).sum();
        IntStream.range(0, n).parallel().forEach(i -> {
            double gx = 0;
            double gy = 0;
            for (int j = 0; j < n; j++) {
                double q = num[i * n + j];
                double mult = (exaggeration * p[i * n + j] - q / z) * q;
                gx += mult * (y[2 * i] - y[2 * j]);
                gy += mult * (y[2 * i + 1] - y[2 * j + 1]);
            }
            grad[2 * i] = 4 * gx;
            grad[2 * i + 1] = 4 * gy;
        });
    }

    private static void centre(double[] y, int n) {
        double mx = 0;
        double my = 0;
        for (int i = 0; i < n; i++) {
            mx += y[2 * i] / n;
            my += y[2 * i + 1] / n;
        }
        for (int i = 0; i < n; i++) {
            y[2 * i] -= mx;
            y[2 * i + 1] -= my;
        }
    }

    /** Leave-one-out k-nearest-neighbour accuracy of labels in an embedding: how well it separates classes. */
    public static double knnAccuracy(double[][] points, int[] labels, int k) {
        int n = points.length;
        long right = IntStream.range(0, n).parallel().filter(i -> {
            double[] best = new double[k];
            int[] who = new int[k];
            Arrays.fill(best, Double.POSITIVE_INFINITY);
            for (int j = 0; j < n; j++) {
                if (j == i) {
                    continue;
                }
                double d = 0;
                for (int c = 0; c < points[i].length; c++) {
                    double t = points[i][c] - points[j][c];
                    d += t * t;
                }
                if (d < best[k - 1]) {
                    int pos = k - 1;
                    while (pos > 0 && best[pos - 1] > d) {
                        best[pos] = best[pos - 1];
                        who[pos] = who[pos - 1];
                        pos--;
                    }
                    best[pos] = d;
                    who[pos] = j;
                }
            }
            int[] votes = new int[Digits.CLASSES];
            for (int w : who) {
                votes[labels[w]]++;
            }
            int vote = 0;
            for (int c = 1; c < votes.length; c++) {
                vote = votes[c] > votes[vote] ? c : vote;
            }
            return vote == labels[i];
        }).count();
        return right / (double) n;
    }
}
