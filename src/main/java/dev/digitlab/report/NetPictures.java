package dev.digitlab.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.List;

/** Pictures of what a network holds and computes: feature maps, first-layer filters, the output layer. */
public final class NetPictures {
    private static final int TITLE = 22;
    private static final int GAP = 3;

    private NetPictures() {}

    /**
     * A grid of one layer's feature maps ({@code values} is channels x height x width), each map scaled to its own
     * range, bright where the layer responds.
     */
    public static BufferedImage featureMaps(String title, float[] values, int channels, int h, int w) {
        boolean points = h * w == 1; // 1x1 maps (LeNet's C5) say nothing alone: scale them together, as one strip
        int columns = points ? Math.min(channels, 24) : Math.min(channels, 8);
        int rows = (channels + columns - 1) / columns;
        int scale = points ? 16 : Math.max(2, 64 / Math.max(h, w));
        int cw = w * scale + GAP;
        int ch = h * scale + GAP;
        BufferedImage img = canvas(columns * cw + GAP, rows * ch + GAP + TITLE, title);
        for (int c = 0; c < channels; c++) {
            float min = Float.POSITIVE_INFINITY;
            float max = Float.NEGATIVE_INFINITY;
            for (int i = points ? 0 : c * h * w; i < (points ? channels : (c + 1) * h * w); i++) {
                min = Math.min(min, values[i]);
                max = Math.max(max, values[i]);
            }
            int x0 = GAP + (c % columns) * cw;
            int y0 = TITLE + GAP + (c / columns) * ch;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    float v = max > min ? (values[c * h * w + y * w + x] - min) / (max - min) : 0;
                    fill(img, x0 + x * scale, y0 + y * scale, scale, sequential(v));
                }
            }
        }
        return img;
    }

    /** First-layer filters ({@code weights} is out x in x k x k; the first input channel is drawn). */
    public static BufferedImage filters(float[] weights, int out, int in, int k) {
        int columns = Math.min(out, 8);
        int rows = (out + columns - 1) / columns;
        int scale = Math.max(6, 48 / k);
        int cell = k * scale + GAP;
        BufferedImage img = canvas(Math.max(columns * cell + GAP, 260), rows * cell + GAP + TITLE,
                "First-layer filters (blue < 0 < red)");
        float limit = 0;
        for (float v : weights) {
            limit = Math.max(limit, Math.abs(v));
        }
        for (int f = 0; f < out; f++) {
            int x0 = GAP + (f % columns) * cell;
            int y0 = TITLE + GAP + (f / columns) * cell;
            for (int y = 0; y < k; y++) {
                for (int x = 0; x < k; x++) {
                    float v = weights[f * in * k * k + y * k + x] / (limit > 0 ? limit : 1);
                    fill(img, x0 + x * scale, y0 + y * scale, scale, diverging(v));
                }
            }
        }
        return img;
    }

    /** The output layer as a strip of ten cells coloured by probability, the predicted class outlined. */
    public static BufferedImage outputStrip(double[] probabilities, int predicted, List<String> classNames) {
        int cell = 64;
        BufferedImage img = canvas(cell * probabilities.length + 2 * GAP, cell + 40 + TITLE, "Output layer (softmax)");
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        for (int c = 0; c < probabilities.length; c++) {
            int x0 = GAP + c * cell;
            g.setColor(sequential((float) probabilities[c]));
            g.fillRect(x0, TITLE + GAP, cell - 2, cell - 2);
            g.setColor(probabilities[c] > 0.5 ? Color.BLACK : Color.WHITE);
            g.drawString(String.format("%.1f%%", 100 * probabilities[c]), x0 + 8, TITLE + GAP + cell / 2 + 4);
            g.setColor(Color.DARK_GRAY);
            g.drawString(Charts.shortName(classNames, c), x0 + 4, TITLE + GAP + cell + 16);
            if (c == predicted) {
                g.setColor(new Color(0xd62728));
                g.setStroke(new BasicStroke(3));
                g.drawRect(x0 - 1, TITLE + GAP - 1, cell, cell);
                g.drawString("predicted", x0 + 4, TITLE + GAP + cell + 32);
            }
        }
        g.dispose();
        return img;
    }

    private static BufferedImage canvas(int w, int h, String title) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
        g.drawString(title, GAP, 16);
        g.dispose();
        return img;
    }

    private static void fill(BufferedImage img, int x, int y, int size, Color c) {
        int rgb = c.getRGB();
        for (int dy = 0; dy < size; dy++) {
            for (int dx = 0; dx < size; dx++) {
                img.setRGB(x + dx, y + dy, rgb);
            }
        }
    }

    private static final int[] VIRIDIS = {0x440154, 0x3b528b, 0x21918c, 0x5ec962, 0xfde725};

    /** Viridis (dark purple, blue, teal, green, yellow) for values in [0, 1], interpolated between five anchors. */
    static Color sequential(float v) {
        float t = Math.max(0, Math.min(1, v)) * (VIRIDIS.length - 1);
        int i = Math.min((int) t, VIRIDIS.length - 2);
        float f = t - i;
        int a = VIRIDIS[i];
        int b = VIRIDIS[i + 1];
        return new Color(mix(a >> 16, b >> 16, f), mix(a >> 8, b >> 8, f), mix(a, b, f));
    }

    private static int mix(int a, int b, float f) {
        return Math.round((a & 0xff) * (1 - f) + (b & 0xff) * f);
    }

    /** Blue for negative, white for zero, red for positive, for values in [-1, 1]. */
    static Color diverging(float v) {
        float t = Math.max(-1, Math.min(1, v));
        int fade = (int) (255 * (1 - Math.abs(t)));
        return t >= 0 ? new Color(255, fade, fade) : new Color(fade, fade, 255);
    }
}
