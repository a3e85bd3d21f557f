package example;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The example runs as a user would run it, on digitlab's shipped model, and reads a drawn 1 as a 1. */
class ClassifyDigitTest {
    @TempDir
    Path dir;

    @Test
    void aDrawnOneIsAOne() throws Exception {
        BufferedImage img = new BufferedImage(120, 160, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, 120, 160);
        g.setColor(Color.BLACK);
        g.setStroke(new BasicStroke(14));
        g.drawLine(60, 20, 60, 140);
        g.dispose();
        Path png = dir.resolve("one.png");
        ImageIO.write(img, "png", png.toFile());

        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true));
        try {
            ClassifyDigit.main(new String[] {Path.of("../../models/best").toString(), png.toString()});
        } finally {
            System.setOut(old);
        }
        String text = out.toString();
        assertTrue(text.startsWith(png + ": 1 ("), text);
        assertTrue(text.lines().count() == 11, text);
    }
}
