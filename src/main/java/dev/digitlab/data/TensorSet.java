package dev.digitlab.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;

/**
 * A data set held on one NDArray of unsigned bytes (N x 1 x H x W), with its labels, from which batches are
 * taken by index: a step costs a handful of native calls, and no Java object is made per image.
 * Normalisation happens per batch, so the resident copy stays at one byte a pixel.
 */
public final class TensorSet implements AutoCloseable {
    private final NDManager manager;
    private final NDArray images;
    private final NDArray labels; // int64, or null for an unlabelled set
    private final Normalization normalization;
    private final int size;

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
    }

    public int size() {
        return size;
    }

    /** Normalised float images {@code order[from..to)}, created on {@code m}. */
    public NDArray images(NDManager m, int[] order, int from, int to) {
        NDArray idx = index(m, order, from, to);
        NDArray picked = images.get(new NDIndex("{}", idx));
        picked.attach(m); // results belong to their source's manager; this one must die with the step
        return normalise(picked.toType(DataType.FLOAT32, false));
    }

    /** Turns float pixel values 0-255 into what the model was trained on. */
    public NDArray normalise(NDArray pixels) {
        float scale = (float) (1.0 / (255.0 * normalization.std()));
        float shift = (float) (normalization.mean() / normalization.std());
        return pixels.mul(scale).sub(shift);
    }

    public NDArray labels(NDManager m, int[] order, int from, int to) {
        NDArray picked = labels.get(new NDIndex("{}", index(m, order, from, to)));
        picked.attach(m);
        return picked;
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
