package dev.digitlab.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.util.Random;

/**
 * A data set held on one NDArray of unsigned bytes (N x 1 x H x W), with its labels. Batches are slices (views,
 * no copy): in stored order for evaluation, or of a {@link #shuffled} copy made once per epoch for training,
 * which costs one native gather an epoch instead of an index array and a gather every step.
 * No Java object is made per image.
 */
public final class TensorSet implements AutoCloseable {
    private final NDManager manager;
    private final NDArray images;
    private final NDArray labels; // int64, or null for an unlabelled set
    private final Normalization normalization;
    private final int size;
    private final byte[] pixels; // the padded images on the Java side, for augmentation
    private final int side;

    /** Copies {@code digits}, padded by {@code pad} on every side, onto a child of {@code parent}. */
    public TensorSet(NDManager parent, Digits digits, int pad, Normalization normalization) {
        this.manager = parent.newSubManager();
        Digits d = digits.padded(pad);
        ByteBuffer px = ByteBuffer.allocateDirect(d.pixels().length);
        px.put(d.pixels()).flip();
        this.images = manager.create(px, new Shape(d.size(), 1, d.rows(), d.cols()), DataType.UINT8);
        if (d.hasLabels()) {
            long[] l = new long[d.size()];
            for (int i = 0; i < l.length; i++) {
                l[i] = d.label(i);
            }
            this.labels = manager.create(l);
        } else {
            this.labels = null;
        }
        this.normalization = normalization;
        this.size = d.size();
        this.pixels = d.pixels();
        this.side = d.rows();
    }

    public int size() {
        return size;
    }

    /** Normalised float images {@code from..to} in stored order, created on {@code m}. */
    public NDArray images(NDManager m, int from, int to) {
        NDArray picked = images.get(slice(from, to));
        picked.attach(m);
        return normalise(picked.toType(DataType.FLOAT32, false));
    }

    /** Normalised float images {@code order[from..to)}, created on {@code m}. */
    public NDArray images(NDManager m, int[] order, int from, int to) {
        NDArray idx = index(m, order, from, to);
        NDArray picked = images.get(new NDIndex("{}", idx));
        picked.attach(m); // results belong to their source's manager; this one must die with the step
        return normalise(picked.toType(DataType.FLOAT32, false));
    }

    /** Images {@code order[from..to)}, each warped at random by {@code augmentation}, normalised, created on {@code m}. */
    public NDArray augmented(NDManager m, int[] order, int from, int to, Augmentation augmentation, Random random) {
        float[] x = new float[(to - from) * side * side];
        augmentation.warp(pixels, side, order, from, to, x, random);
        float scale = normalization.scale();
        float shift = normalization.shift();
        for (int i = 0; i < x.length; i++) {
            x[i] = x[i] * scale - shift;
        }
        return m.create(x, new Shape(to - from, 1, side, side));
    }

    /** Turns float pixel values 0-255 into what the model was trained on. */
    public NDArray normalise(NDArray pixels) {
        return pixels.mul(normalization.scale()).sub(normalization.shift());
    }

    public NDArray labels(NDManager m, int[] order, int from, int to) {
        NDArray picked = labels.get(new NDIndex("{}", index(m, order, from, to)));
        picked.attach(m);
        return picked;
    }

    /**
     * The whole set in {@code order}, normalised, on a child of {@code parent}: one epoch's data, taken in slices.
     * Costs four bytes a pixel while it lives.
     */
    public Shuffled shuffled(NDManager parent, int[] order) {
        NDManager m = parent.newSubManager();
        NDArray idx = index(m, order, 0, order.length);
        NDArray picked = images.get(new NDIndex("{}", idx));
        picked.attach(m);
        NDArray x = picked.toType(DataType.FLOAT32, false);
        picked.close();
        x.muli(normalization.scale()).subi(normalization.shift()); // in place: full-size copies would double the epoch's memory
        NDArray y = null;
        if (labels != null) {
            y = labels.get(new NDIndex("{}", idx));
            y.attach(m);
        }
        return new Shuffled(m, x, y);
    }

    /** One epoch's order of the set; {@link #images} and {@link #labels} are views created on the caller's manager. */
    public record Shuffled(NDManager manager, NDArray allImages, NDArray allLabels) implements AutoCloseable {
        public NDArray images(NDManager m, int from, int to) {
            NDArray v = allImages.get(slice(from, to));
            v.attach(m);
            return v;
        }

        public NDArray labels(NDManager m, int from, int to) {
            NDArray v = allLabels.get(slice(from, to));
            v.attach(m);
            return v;
        }

        @Override
        public void close() {
            manager.close();
        }
    }

    /** A slice along the first axis, built without parsing an index string. */
    private static NDIndex slice(int from, int to) {
        return new NDIndex().addSliceDim(from, to);
    }

    private static NDArray index(NDManager m, int[] order, int from, int to) {
        long[] idx = new long[to - from];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = order[from + i];
        }
        return m.create(idx);
    }

    @Override
    public void close() {
        manager.close();
    }
}
