package dev.digitlab.eval;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.data.Split;
import java.util.Random;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class TsneTest {
    /** Three tight Gaussian blobs in 20 dimensions must come out as three separate groups, the same way twice. */
    @Test
    void separatesBlobsAndIsDeterministic() {
        Random r = new Random(3);
        int n = 150;
        double[][] x = new double[n][20];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 3;
            for (int d = 0; d < 20; d++) {
                x[i][d] = (d == labels[i] ? 10 : 0) + r.nextGaussian();
            }
        }
        double[][] a = Tsne.embed(x, 20, 7);
        double[][] b = Tsne.embed(x, 20, 7);
        assertThat(a).isDeepEqualTo(b);
        assertThat(Tsne.knnAccuracy(a, labels, 5)).isEqualTo(1.0);
        // and shuffled labels are not separated: the check itself can fail
        int[] shuffled = labels.clone();
        Split.shuffle(shuffled, new Random(1));
        assertThat(Tsne.knnAccuracy(a, shuffled, 5)).isLessThan(0.6);
    }

    @Test
    void pcaKeepsTheDirectionsThatVary() {
        Random r = new Random(5);
        double[][] x = new double[300][10];
        for (double[] row : x) {
            double t = r.nextGaussian() * 10;
            row[0] = t;
            row[1] = -t;
            for (int d = 2; d < 10; d++) {
                row[d] = r.nextGaussian() * 0.01;
            }
        }
        double[][] p = Pca.project(x, 1, 1);
        // the one kept coordinate carries (almost) all the variance: |p| = sqrt(2) |t|
        for (int i = 0; i < x.length; i++) {
            assertThat(Math.abs(p[i][0])).isCloseTo(Math.sqrt(2) * Math.abs(x[i][0] - mean(x, 0)),
                    Offset.offset(0.1));
        }
    }

    static double mean(double[][] x, int d) {
        double s = 0;
        for (double[] row : x) {
            s += row[d];
        }
        return s / x.length;
    }
}
