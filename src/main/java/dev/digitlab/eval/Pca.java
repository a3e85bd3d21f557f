package dev.digitlab.eval;

import java.util.Random;
import java.util.stream.IntStream;

/**
 * Projection onto the top principal subspace, by subspace iteration on the covariance matrix. t-SNE only looks at
 * distances, which do not depend on the basis chosen inside the subspace, so no eigen-decomposition is needed.
 */
public final class Pca {
    private static final int ITERATIONS = 30;

    private Pca() {}

    /** {@code x} is n rows of d values; returns n rows of min(k, d) values. */
    public static double[][] project(double[][] x, int k, long seed) {
        int n = x.length;
        int d = x[0].length;
        if (d <= k) {
            return x;
        }
        double[] mean = new double[d];
        for (double[] row : x) {
            for (int j = 0; j < d; j++) {
                mean[j] += row[j] / n;
            }
        }
        double[][] centred = new double[n][d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                centred[i][j] = x[i][j] - mean[j];
            }
        }
        double[][] cov = new double[d][d];
        IntStream.range(0, d).parallel().forEach(a -> {
            for (int b = a; b < d; b++) {
                double s = 0;
                for (double[] row : centred) {
                    s += row[a] * row[b];
                }
                cov[a][b] = s;
                cov[b][a] = s;
            }
        });
        Random random = new Random(seed);
        double[][] q = new double[k][d]; // k basis vectors of length d
        for (double[] v : q) {
            for (int j = 0; j < d; j++) {
                v[j] = random.nextGaussian();
            }
        }
        orthonormalise(q);
        for (int it = 0; it < ITERATIONS; it++) {
            double[][] z = new double[k][];
            IntStream.range(0, k).parallel().forEach(c -> z[c] = times(cov, q[c]));
            System.arraycopy(z, 0, q, 0, k);
            orthonormalise(q);
        }
        double[][] out = new double[n][k];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < k; c++) {
                double s = 0;
                for (int j = 0; j < d; j++) {
                    s += centred[i][j] * q[c][j];
                }
                out[i][c] = s;
            }
        }
        return out;
    }

    private static double[] times(double[][] m, double[] v) {
        double[] r = new double[m.length];
        for (int i = 0; i < m.length; i++) {
            double s = 0;
            for (int j = 0; j < v.length; j++) {
                s += m[i][j] * v[j];
            }
            r[i] = s;
        }
        return r;
    }

    /** Modified Gram-Schmidt. */
    static void orthonormalise(double[][] q) {
        for (int a = 0; a < q.length; a++) {
            for (int b = 0; b < a; b++) {
                double dot = 0;
                for (int j = 0; j < q[a].length; j++) {
                    dot += q[a][j] * q[b][j];
                }
                for (int j = 0; j < q[a].length; j++) {
                    q[a][j] -= dot * q[b][j];
                }
            }
            double norm = 0;
            for (double v : q[a]) {
                norm += v * v;
            }
            norm = Math.sqrt(norm);
            for (int j = 0; j < q[a].length; j++) {
                q[a][j] /= norm > 0 ? norm : 1;
            }
        }
    }
}
