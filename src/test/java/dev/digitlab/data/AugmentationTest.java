package dev.digitlab.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class AugmentationTest {
    private static final int SIDE = 28;

    /** Every draw at the top of its range: the largest rotation, zoom and shift, all positive. */
    private static final Random MAX = new Random() {
        @Override
        public double nextDouble() {
            return 1.0;
        }
    };

    private static byte[] dot(int x, int y) {
        byte[] p = new byte[SIDE * SIDE];
        p[y * SIDE + x] = (byte) 255;
        return p;
    }

    /** A grey bar, well inside the frame. */
    private static byte[] bar() {
        byte[] p = new byte[SIDE * SIDE];
        for (int y = 6; y < 22; y++) {
            for (int x = 11; x < 16; x++) {
                p[y * SIDE + x] = (byte) 200;
            }
        }
        return p;
    }

    private static float[] warp(Augmentation a, byte[] image) {
        float[] out = new float[SIDE * SIDE];
        a.warp(image, SIDE, new int[] {0}, 0, 1, out, MAX);
        return out;
    }

    @Test
    void noWarpGivesTheImageBack() {
        byte[] image = bar();
        float[] out = new float[2 * SIDE * SIDE];
        new Augmentation(0, 0, 0).warp(concat(image, image), SIDE, new int[] {1, 0}, 0, 2, out, new Random(1));
        for (int i = 0; i < out.length; i++) {
            assertThat(out[i]).isEqualTo(image[i % (SIDE * SIDE)] & 0xff);
        }
    }

    @Test
    void aQuarterTurnMovesAPixelWhereTheGeometrySays() {
        // centre 13.5; destination (x, y) samples source (13.5 + (y - 13.5), 13.5 - (x - 13.5)): (13, 10) <- (10, 14)
        float[] out = warp(new Augmentation(90, 0, 0), dot(10, 14));
        assertThat(out[10 * SIDE + 13]).isCloseTo(255f, within(1e-3f));
        assertThat(sum(out)).isCloseTo(255f, within(1e-2f));
    }

    @Test
    void aShiftMovesTheImageByThatManyPixels() {
        float[] out = warp(new Augmentation(0, 0, 3.0 / SIDE), dot(10, 14));
        assertThat(out[17 * SIDE + 13]).isCloseTo(255f, within(1e-2f));
        assertThat(sum(out)).isCloseTo(255f, within(1e-1f));
    }

    @Test
    void zoomingInSpreadsInkOverMorePixels() {
        byte[] image = bar();
        float[] bigger = warp(new Augmentation(0, 0.5, 0), image);
        assertThat(sum(bigger)).isGreaterThan(1.5f * sum(toFloat(image)));
    }

    @Test
    void drawsDependOnlyOnTheSeed() {
        byte[] image = bar();
        float[] a = new float[SIDE * SIDE];
        float[] b = new float[SIDE * SIDE];
        float[] c = new float[SIDE * SIDE];
        Augmentation.DEFAULT.warp(image, SIDE, new int[] {0}, 0, 1, a, new Random(5));
        Augmentation.DEFAULT.warp(image, SIDE, new int[] {0}, 0, 1, b, new Random(5));
        Augmentation.DEFAULT.warp(image, SIDE, new int[] {0}, 0, 1, c, new Random(6));
        assertThat(b).containsExactly(a);
        assertThat(c).isNotEqualTo(a);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static float[] toFloat(byte[] p) {
        float[] f = new float[p.length];
        for (int i = 0; i < p.length; i++) {
            f[i] = p[i] & 0xff;
        }
        return f;
    }

    private static float sum(float[] a) {
        float s = 0;
        for (float v : a) {
            s += v;
        }
        return s;
    }
}
