package dev.digitlab.report;

import dev.digitlab.data.Digits;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.List;

/** Explanation maps drawn over the 28x28 image the model saw: the digit in grey, the map as warm colour on top. */
public final class Heatmaps {
    private static final int CAPTION = 16;
    private static final int GAP = 4;

    private Heatmaps() {}

    /** One image, {@code scale} screen pixels per pixel, with {@code map} (784 values in [0, 1]) over it. */
    public static BufferedImage overlay(byte[] pixels, float[] map, int scale) {
        BufferedImage img = new BufferedImage(Digits.SIDE * scale, Digits.SIDE * scale, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        paint(g, 0, 0, pixels, map, scale);
        g.dispose();
        return img;
    }

    /**
     * A table of images (rows) by maps (columns), each column headed by its name and each row captioned: the report's
     * "why" section. {@code maps.get(row).get(column)} may be null for the plain image.
     */
    public static BufferedImage table(List<byte[]> images, List<String> captions, List<String> columns,
                                      List<List<float[]>> maps, int scale) {
        int cell = Digits.SIDE * scale + GAP;
        BufferedImage img = new BufferedImage(columns.size() * cell + GAP, CAPTION + images.size() * (cell + CAPTION) + GAP,
                BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        g.setColor(Color.BLACK);
        for (int c = 0; c < columns.size(); c++) {
            g.drawString(columns.get(c), GAP + c * cell, CAPTION - 4);
        }
        for (int r = 0; r < images.size(); r++) {
            int y = CAPTION + r * (cell + CAPTION);
            for (int c = 0; c < columns.size(); c++) {
                paint(g, GAP + c * cell, y, images.get(r), maps.get(r).get(c), scale);
            }
            g.setColor(Color.BLACK);
            g.drawString(captions.get(r), GAP, y + cell + CAPTION - 6);
        }
        g.dispose();
        return img;
    }

    private static void paint(Graphics2D g, int x0, int y0, byte[] pixels, float[] map, int scale) {
        for (int i = 0; i < Digits.PIXELS; i++) {
            int grey = 255 - (pixels[i] & 0xff) / 2; // the digit dark on light, faded so the colour reads
            Color c = map == null ? new Color(255 - (pixels[i] & 0xff), 255 - (pixels[i] & 0xff), 255 - (pixels[i] & 0xff))
                    : blend(new Color(grey, grey, grey), heat(map[i]), Math.min(1f, map[i] * 1.2f));
            g.setColor(c);
            g.fillRect(x0 + (i % Digits.SIDE) * scale, y0 + (i / Digits.SIDE) * scale, scale, scale);
        }
    }

    /** Black-body colours: dark red through orange to yellow as the value rises. */
    static Color heat(float v) {
        float t = Math.max(0, Math.min(1, v));
        return new Color(Math.min(1f, 0.4f + 1.2f * t), Math.max(0f, Math.min(1f, 2f * t - 0.4f)), Math.max(0f, 3f * t - 2.2f));
    }

    private static Color blend(Color a, Color b, float f) {
        return new Color(Math.round(a.getRed() * (1 - f) + b.getRed() * f), Math.round(a.getGreen() * (1 - f) + b.getGreen() * f),
                Math.round(a.getBlue() * (1 - f) + b.getBlue() * f));
    }
}
