package dev.digitlab.report;

import dev.digitlab.AtomicFiles;
import dev.digitlab.data.Digits;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.IntFunction;
import javax.imageio.ImageIO;

/** A labelled grid of digit images, drawn dark-on-light as a person expects to read them. */
public final class DigitGrid {
    private static final int SCALE = 3;
    private static final int CAPTION = 16;
    private static final int GAP = 4;

    private DigitGrid() {}

    /**
     * Draws the images at {@code indices}, {@code columns} to a row, each with the caption {@code caption} gives
     * and in the colour {@code captionColour} gives (so wrong predictions can be marked).
     */
    public static BufferedImage draw(Digits digits, int[] indices, int columns, IntFunction<String> caption,
                                     IntFunction<Color> captionColour) {
        int cellW = digits.cols() * SCALE + GAP;
        int cellH = digits.rows() * SCALE + CAPTION + GAP;
        int rows = (indices.length + columns - 1) / columns;
        BufferedImage img = new BufferedImage(columns * cellW + GAP, rows * cellH + GAP, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        for (int k = 0; k < indices.length; k++) {
            int x0 = GAP + (k % columns) * cellW;
            int y0 = GAP + (k / columns) * cellH;
            for (int r = 0; r < digits.rows(); r++) {
                for (int c = 0; c < digits.cols(); c++) {
                    int v = 255 - digits.pixel(indices[k], r, c);
                    g.setColor(new Color(v, v, v));
                    g.fillRect(x0 + c * SCALE, y0 + r * SCALE, SCALE, SCALE);
                }
            }
            g.setColor(captionColour.apply(k));
            String text = caption.apply(k);
            int w = g.getFontMetrics().stringWidth(text);
            g.drawString(text, x0 + Math.max(0, (digits.cols() * SCALE - w) / 2), y0 + digits.rows() * SCALE + CAPTION - 4);
        }
        g.dispose();
        return img;
    }

    public static void writePng(BufferedImage img, Path out) throws IOException {
        AtomicFiles.write(out, stream -> {
            if (!ImageIO.write(img, "png", stream)) {
                throw new IOException("no PNG writer");
            }
        });
    }
}
