package dev.digitlab.eval;

import ai.djl.ndarray.NDManager;
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

    public Classifier(Path dir) {
        this.manager = NDManager.newBaseManager();
        try {
            this.model = ModelFolder.load(dir, manager);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
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

    /** Class probabilities of each image, given as 784 bytes each. */
    public double[][] probabilities(List<byte[]> images) {
        byte[] pixels = new byte[images.size() * 784];
        for (int i = 0; i < images.size(); i++) {
            System.arraycopy(images.get(i), 0, pixels, i * 784, 784);
        }
        Inference.Outputs out = outputs(new Digits(pixels, null, images.size(), 28, 28, sidecar().classNames(), "input"));
        double[][] p = new double[images.size()][];
        for (int i = 0; i < p.length; i++) {
            p[i] = out.probabilities(i);
        }
        return p;
    }

    @Override
    public void close() {
        model.close();
        manager.close();
    }
}
