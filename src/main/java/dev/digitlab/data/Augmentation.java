package dev.digitlab.data;

import static dev.digitlab.BadSetting.check;

import java.util.Random;

/**
 * Random affine warps of training images: a rotation of up to +-{@code rotate} degrees, a zoom of up to
 * +-{@code zoom} and a shift of up to +-{@code shift} of the side, each drawn per image, about the image centre,
 * with bilinear sampling and black outside; with {@code flip}, half the images mirrored left to right as well (the
 * fifth write-up tried it: a mirrored 2 is no digit, so it is off unless asked for). A batch is warped in one pass over
 * primitive arrays: no object per image.
 */
public record Augmentation(double rotate, double zoom, double shift, boolean flip) {

    public static final Augmentation DEFAULT = new Augmentation(10, 0.1, 0.1);

    /** The warp alone, no mirroring. */
    public Augmentation(double rotate, double zoom, double shift) {
        this(rotate, zoom, shift, false);
    }

    /** Rejects nonsense, naming the setting. */
    public Augmentation validate() {
        check(rotate >= 0 && rotate <= 180, "rotate", "must be in [0, 180] degrees, got " + rotate);
        check(zoom >= 0 && zoom < 1, "zoom", "must be in [0, 1), got " + zoom);
        check(shift >= 0 && shift < 1, "shift", "must be in [0, 1), got " + shift);
        return this;
    }

    /**
     * Warps images {@code order[from..to)} of {@code pixels} (square, {@code side} x {@code side} bytes each) into
     * {@code out}, one after another, as pixel values 0-255.
     */
    public void warp(byte[] pixels, int side, int[] order, int from, int to, float[] out, Random random) {
        for (int k = from; k < to; k++) {
            double angle = Math.toRadians(rotate * (2 * random.nextDouble() - 1));
            double scale = 1 + zoom * (2 * random.nextDouble() - 1);
            double tx = shift * side * (2 * random.nextDouble() - 1);
            double ty = shift * side * (2 * random.nextDouble() - 1);
            warpImage(pixels, order[k] * side * side, side, angle, scale, tx, ty, out, (k - from) * side * side);
            if (flip && random.nextBoolean()) { // drawn only with flip on, so warps without it repeat as before
                mirror(out, (k - from) * side * side, side);
            }
        }
    }

    private static void mirror(float[] image, int at, int side) {
        for (int y = 0; y < side; y++) {
            for (int l = at + y * side, r = l + side - 1; l < r; l++, r--) {
                float t = image[l];
                image[l] = image[r];
                image[r] = t;
            }
        }
    }

    /** Images {@code pick} of {@code d}, in that order, as training warps them (what {@code data show --augment} draws). */
    public Digits warped(Digits d, int[] pick, Random random) {
        int area = d.rows() * d.cols();
        float[] out = new float[pick.length * area];
        warp(d.pixels(), d.rows(), pick, 0, pick.length, out, random);
        byte[] pixels = new byte[out.length];
        byte[] labels = new byte[pick.length];
        for (int i = 0; i < out.length; i++) {
            pixels[i] = (byte) Math.round(Math.min(255f, Math.max(0f, out[i])));
        }
        for (int k = 0; k < pick.length; k++) {
            labels[k] = (byte) d.label(pick[k]);
        }
        return new Digits(pixels, labels, pick.length, d.rows(), d.cols(), d.classNames(), d.source());
    }

    /** Every image of {@code d} turned by {@code degrees} and scaled by {@code scale} about its centre (test-time views). */
    public static Digits warped(Digits d, double degrees, double scale) {
        int area = d.rows() * d.cols();
        float[] one = new float[area];
        byte[] out = new byte[d.pixels().length];
        for (int i = 0; i < d.size(); i++) {
            warpImage(d.pixels(), i * area, d.rows(), Math.toRadians(degrees), scale, 0, 0, one, 0);
            for (int p = 0; p < area; p++) {
                out[i * area + p] = (byte) Math.round(one[p]);
            }
        }
        return new Digits(out, d.hasLabels() ? d.labels() : null, d.size(), d.rows(), d.cols(), d.classNames(), d.source());
    }

    /** Destination -> source: undo the shift, the rotation and the zoom, about the centre. */
    private static void warpImage(byte[] pixels, int src, int side, double angle, double scale, double tx, double ty,
                                  float[] out, int dst) {
        double centre = (side - 1) / 2.0;
        double cos = Math.cos(angle) / scale;
        double sin = Math.sin(angle) / scale;
        for (int y = 0; y < side; y++) {
            double dy = y - centre - ty;
            for (int x = 0; x < side; x++) {
                double dx = x - centre - tx;
                out[dst + y * side + x] = sample(pixels, src, side, cos * dx + sin * dy + centre, -sin * dx + cos * dy + centre);
            }
        }
    }

    /**
     * Bilinear sample of one image at (sx, sy); black outside. Written for the C1 compiler as much as for C2 (the
     * launcher trains on C1-compiled code on small machines): no Math.floor call, and one bounds check for the
     * usual case of all four neighbours inside.
     */
    private static float sample(byte[] p, int offset, int side, double sx, double sy) {
        int x0 = floor(sx);
        int y0 = floor(sy);
        if (x0 < -1 || y0 < -1 || x0 >= side || y0 >= side) {
            return 0f;
        }
        double fx = sx - x0;
        double fy = sy - y0;
        int a;
        int b;
        int c;
        int d;
        if (x0 >= 0 && y0 >= 0 && x0 + 1 < side && y0 + 1 < side) {
            int i = offset + y0 * side + x0;
            a = p[i] & 0xff;
            b = p[i + 1] & 0xff;
            c = p[i + side] & 0xff;
            d = p[i + side + 1] & 0xff;
        } else {
            a = at(p, offset, side, x0, y0);
            b = at(p, offset, side, x0 + 1, y0);
            c = at(p, offset, side, x0, y0 + 1);
            d = at(p, offset, side, x0 + 1, y0 + 1);
        }
        double top = (1 - fx) * a + fx * b;
        double bottom = (1 - fx) * c + fx * d;
        return (float) ((1 - fy) * top + fy * bottom);
    }

    /** Math.floor for coordinates well inside the int range, without the call C1 makes for it. */
    private static int floor(double v) {
        int t = (int) v;
        return v < t ? t - 1 : t;
    }

    private static int at(byte[] p, int offset, int side, int x, int y) {
        return x < 0 || y < 0 || x >= side || y >= side ? 0 : p[offset + y * side + x] & 0xff;
    }
}
