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
    void flipMirrorsAboutHalfTheImagesAndLeavesTheDrawsOfAWarpWithoutItAlone() {
        int n = 200;
        byte[] images = new byte[n * SIDE * SIDE];
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            images[i * SIDE * SIDE + 14 * SIDE + 3] = (byte) 255; // a dot near the left edge
            order[i] = i;
        }
        float[] out = new float[n * SIDE * SIDE];
        new Augmentation(0, 0, 0, true).warp(images, SIDE, order, 0, n, out, new Random(7));
        int mirrored = 0;
        for (int i = 0; i < n; i++) {
            float left = out[i * SIDE * SIDE + 14 * SIDE + 3];
            float right = out[i * SIDE * SIDE + 14 * SIDE + SIDE - 1 - 3];
            assertThat(left + right).as("image %d keeps its dot, on one side", i).isCloseTo(255f, within(1e-3f));
            mirrored += right > 0 ? 1 : 0;
        }
        assertThat(mirrored).isBetween(70, 130); // binomial(200, 1/2): 100 +- 30 is beyond 4 standard deviations
        float[] plain = new float[SIDE * SIDE];
        float[] unflipped = new float[SIDE * SIDE];
        new Augmentation(10, 0.1, 0.1).warp(bar(), SIDE, new int[] {0}, 0, 1, plain, new Random(3));
        new Augmentation(10, 0.1, 0.1, false).warp(bar(), SIDE, new int[] {0}, 0, 1, unflipped, new Random(3));
        assertThat(unflipped).isEqualTo(plain);
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

    /** The warp as first written, with Math.floor and a bounds check per neighbour: the reference for the fast one. */
    private static float[] plainWarp(byte[] p, double rotate, double zoom, double shift, Random random) {
        double angle = Math.toRadians(rotate * (2 * random.nextDouble() - 1));
        double scale = 1 + zoom * (2 * random.nextDouble() - 1);
        double tx = shift * SIDE * (2 * random.nextDouble() - 1);
        double ty = shift * SIDE * (2 * random.nextDouble() - 1);
        double centre = (SIDE - 1) / 2.0;
        double cos = Math.cos(angle) / scale;
        double sin = Math.sin(angle) / scale;
        float[] out = new float[SIDE * SIDE];
        for (int y = 0; y < SIDE; y++) {
            for (int x = 0; x < SIDE; x++) {
                double dx = x - centre - tx;
                double dy = y - centre - ty;
                double sx = cos * dx + sin * dy + centre;
                double sy = -sin * dx + cos * dy + centre;
                int x0 = (int) Math.floor(sx);
                int y0 = (int) Math.floor(sy);
                if (x0 < -1 || y0 < -1 || x0 >= SIDE || y0 >= SIDE) {
                    continue;
                }
                double fx = sx - x0;
                double fy = sy - y0;
                double top = (1 - fx) * at(p, x0, y0) + fx * at(p, x0 + 1, y0);
                double bottom = (1 - fx) * at(p, x0, y0 + 1) + fx * at(p, x0 + 1, y0 + 1);
                out[y * SIDE + x] = (float) ((1 - fy) * top + fy * bottom);
            }
        }
        return out;
    }

    private static int at(byte[] p, int x, int y) {
        return x < 0 || y < 0 || x >= SIDE || y >= SIDE ? 0 : p[y * SIDE + x] & 0xff;
    }

    @Test
    void theFastWarpGivesTheSameBitsAsThePlainOne() {
        Random pixels = new Random(7);
        byte[] image = new byte[SIDE * SIDE];
        pixels.nextBytes(image); // ink up to the border, so the edge cases are sampled too
        Augmentation wide = new Augmentation(180, 0.5, 0.4); // sources far outside the frame and on both sides of it
        for (int i = 0; i < 200; i++) {
            float[] fast = new float[SIDE * SIDE];
            wide.warp(image, SIDE, new int[] {0}, 0, 1, fast, new Random(i));
            assertThat(fast).as("draw %d", i).containsExactly(plainWarp(image, 180, 0.5, 0.4, new Random(i)));
        }
    }
}
