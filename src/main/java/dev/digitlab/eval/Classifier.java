package dev.digitlab.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.digitlab.data.Digits;
import dev.digitlab.data.TensorSet;
import dev.digitlab.model.Inference;
import dev.digitlab.model.ModelFolder;
import java.nio.file.Path;
import java.util.List;

/** A saved model ready to classify 28x28 images: applies its padding and normalisation, returns probabilities. */
public final class Classifier implements AutoCloseable {
    private final NDManager manager;
    private final ModelFolder.Loaded model;
    private final float[] normalised = new float[256]; // the model's input value for each pixel byte

    public Classifier(Path dir) {
        this.manager = NDManager.newBaseManager();
        try {
            this.model = ModelFolder.load(dir, manager);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
        for (int v = 0; v < 256; v++) {
            normalised[v] = model.sidecar().norm().apply(v);
        }
    }

    public ModelFolder.Sidecar sidecar() {
        return model.sidecar();
    }

    /** Scores for a set of 28x28 images (labels, if any, are ignored). */
    public Inference.Outputs outputs(Digits images) {
        try (TensorSet set = new TensorSet(manager, images, model.net().architecture().padding(), model.sidecar().norm())) {
            return Inference.run(model.net(), set, 1000);
        }
    }

    /**
     * Class probabilities of each image, given as 784 bytes each. Built for single requests: padding and
     * normalisation happen in Java, so the engine sees one array in and one out.
     */
    public double[][] probabilities(List<byte[]> images) {
        int n = images.size();
        byte[] pixels = new byte[n * 784];
        for (int i = 0; i < n; i++) {
            System.arraycopy(images.get(i), 0, pixels, i * 784, 784);
        }
        Digits d = new Digits(pixels, null, n, 28, 28, sidecar().classNames(), "input")
                .padded(model.net().architecture().padding());
        float[] x = new float[d.pixels().length];
        for (int i = 0; i < x.length; i++) {
            x[i] = normalised[d.pixels()[i] & 0xff];
        }
        double[][] p = new double[n][];
        try (NDManager step = manager.newSubManager()) {
            NDArray logits = model.net().forward(step.create(x, new Shape(n, 1, d.rows(), d.cols())), false);
            Inference.Outputs out = new Inference.Outputs(logits.toFloatArray(), n, (int) logits.getShape().get(1));
            for (int i = 0; i < n; i++) {
                p[i] = out.probabilities(i);
            }
        }
        return p;
    }

    @Override
    public void close() {
        model.close();
        manager.close();
    }
}
