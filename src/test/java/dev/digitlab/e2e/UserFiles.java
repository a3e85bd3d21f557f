package dev.digitlab.e2e;

import dev.digitlab.data.Digits;
import java.awt.image.BufferedImage;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** The files a user brings to digitlab, made from MNIST test images so that the right answers are known. */
public final class UserFiles {
    private UserFiles() {}

    /** Image {@code i} as a user's scan: 4x larger, dark ink on white paper. */
    public static Path png(Digits d, int i, Path file) throws IOException {
        int scale = 4;
        BufferedImage img = new BufferedImage(d.cols() * scale, d.rows() * scale, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int ink = d.pixel(i, y / scale, x / scale);
                int grey = 255 - ink;
                img.setRGB(x, y, grey << 16 | grey << 8 | grey);
            }
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        ImageIO.write(img, "png", file.toFile());
        return file;
    }

    /** The first {@code n} images as a Kaggle CSV: with a label column (train.csv) or without (test.csv). */
    public static String kaggleCsv(Digits d, int n, boolean labelled) {
        StringBuilder csv = new StringBuilder(labelled ? "label," : "");
        for (int i = 0; i < d.imageSize(); i++) {
            csv.append(i == 0 ? "" : ",").append("pixel").append(i);
        }
        csv.append('\n');
        for (int i = 0; i < n; i++) {
            csv.append(labelled ? d.label(i) + "," : "");
            byte[] img = d.image(i);
            for (int p = 0; p < img.length; p++) {
                csv.append(p == 0 ? "" : ",").append(img[p] & 0xff);
            }
            csv.append('\n');
        }
        return csv.toString();
    }

    public static Path kaggleCsv(Digits d, int n, boolean labelled, Path file) throws IOException {
        return Files.writeString(file, kaggleCsv(d, n, labelled));
    }

    /** The first {@code n} images and their labels as IDX files, named as MNIST names its test files, in {@code dir}. */
    public static Path idx(Digits d, int n, Path dir) throws IOException {
        Files.createDirectories(dir);
        Path images = dir.resolve("t10k-images-idx3-ubyte");
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(images))) {
            out.writeInt(2051);
            out.writeInt(n);
            out.writeInt(d.rows());
            out.writeInt(d.cols());
            for (int i = 0; i < n; i++) {
                out.write(d.image(i));
            }
        }
        try (OutputStream raw = Files.newOutputStream(dir.resolve("t10k-labels-idx1-ubyte"));
             DataOutputStream out = new DataOutputStream(raw)) {
            out.writeInt(2049);
            out.writeInt(n);
            for (int i = 0; i < n; i++) {
                out.writeByte(d.label(i));
            }
        }
        return images;
    }
}
