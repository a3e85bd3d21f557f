package dev.digitlab.api;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.digitlab.DigitlabException;
import dev.digitlab.data.Augmentation;
import dev.digitlab.data.Digits;
import dev.digitlab.data.ImagePrep;
import dev.digitlab.data.TensorSet;
import dev.digitlab.model.Inference;
import dev.digitlab.model.ModelFolder;
import dev.digitlab.model.Net;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A saved model, or an ensemble of them, ready to classify 28x28 images: applies each model's padding and
 * normalisation and returns probabilities. An ensemble averages its members' probabilities; with test-time
 * augmentation each image is also seen turned and scaled a little, and those views are averaged too.
 *
 * <p>This is digitlab's library API (docs/LIBRARY.md): {@link #load}, {@link #classify(BufferedImage)},
 * {@link #classify(byte[])}, {@link #classifyAll}, {@link #classNames}. It is safe to share between threads.
 */
public final class Classifier implements AutoCloseable {
    /** One image's answer: the most probable class, its name, and all the probabilities (summing to 1). */
    public record Prediction(int label, String className, double[] probabilities) {
        /** The probability of the predicted class. */
        public double confidence() {
            return probabilities[label];
        }
    }
    /** Test-time views: (degrees, scale), all inside what --augment trains on. */
    private static final double[][] VIEWS = {{0, 1}, {8, 1}, {-8, 1}, {0, 1.08}, {0, 0.92}};

    private final NDManager manager;
    private final List<ModelFolder.Loaded> members = new ArrayList<>();
    private final List<float[]> inputValues = new ArrayList<>(); // per member: its input value for each pixel byte
    private final boolean tta;

    /** The model or ensemble saved in {@code dir} (a folder with model.json, or with ensemble.json). */
    public static Classifier load(Path dir) {
        return load(dir, false);
    }

    /** The same, averaging each image over a few turned and scaled views too (slower, a little more accurate). */
    public static Classifier load(Path dir, boolean testTimeAugmentation) {
        return load(ModelFolder.members(dir), testTimeAugmentation);
    }

    /** The average of the models in {@code folders} (one folder: that model), each a model folder. */
    public static Classifier load(List<Path> folders, boolean testTimeAugmentation) {
        return new Classifier(folders, testTimeAugmentation);
    }

    /** The class names, in label order ("0".."9" for MNIST). */
    public List<String> classNames() {
        return sidecar().classNames();
    }

    /**
     * Classifies a picture of any size, colour or grey, dark on light or light on dark: it is made MNIST-like first
     * (cropped to the ink, scaled into 20x20, centred by mass in 28x28), exactly as {@code digitlab predict} does.
     */
    public Prediction classify(BufferedImage picture) {
        return classify(ImagePrep.toMnist(picture));
    }

    /** Classifies one MNIST-like image: 784 bytes, row by row, white (255) strokes on black (0). */
    public Prediction classify(byte[] pixels) {
        return classifyAll(List.of(pixels)).get(0);
    }

    /** Classifies several MNIST-like images at once (faster than one by one). */
    public List<Prediction> classifyAll(List<byte[]> images) {
        for (int i = 0; i < images.size(); i++) {
            if (images.get(i).length != Digits.PIXELS) {
                throw new DigitlabException("image " + i + " has " + images.get(i).length + " pixels, not " + Digits.PIXELS);
            }
        }
        double[][] p = probabilities(images);
        List<Prediction> out = new ArrayList<>(p.length);
        for (double[] probs : p) {
            int best = Inference.argmax(probs);
            out.add(new Prediction(best, classNames().get(best), probs));
        }
        return out;
    }

    private Classifier(List<Path> folders, boolean tta) {
        this.tta = tta;
        folders.forEach(ModelFolder::verify); // a bad folder is refused before libtorch starts
        this.manager = NDManager.newBaseManager();
        try {
            for (Path m : folders) {
                ModelFolder.Loaded loaded = ModelFolder.load(m, manager);
                members.add(loaded);
                float[] table = new float[256];
                for (int v = 0; v < 256; v++) {
                    table[v] = loaded.sidecar().norm().apply(v);
                }
                inputValues.add(table);
            }
            for (int k = 1; k < members.size(); k++) {
                if (!members.get(k).sidecar().classNames().equals(sidecar().classNames())) {
                    throw new DigitlabException(folders.get(k) + ": its class names differ from " + folders.get(0) + "'s");
                }
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** The loaded models: one, or an ensemble's members (explanations look inside them; not for library users). */
    public List<ModelFolder.Loaded> models() {
        return members;
    }

    /** The (first) model's sidecar: class names, data set and training of what this classifier runs. */
    public ModelFolder.Sidecar sidecar() {
        return members.get(0).sidecar();
    }

    /** Scores for a set of 28x28 images (labels, if any, are ignored). */
    public Inference.Outputs outputs(Digits images) {
        return averaged(images, (k, view) -> {
            ModelFolder.Loaded m = members.get(k);
            try (TensorSet set = new TensorSet(manager, view, m.net().architecture().padding(), m.sidecar().norm())) {
                return Inference.run(m.net(), set, 1000);
            }
        });
    }

    /**
     * Class probabilities of each image, given as Digits.PIXELS (784) bytes each. Built for single requests: padding and
     * normalisation happen in Java, so the engine sees one array in and one out per model and view.
     */
    public double[][] probabilities(List<byte[]> images) {
        int n = images.size();
        byte[] pixels = new byte[n * Digits.PIXELS];
        for (int i = 0; i < n; i++) {
            System.arraycopy(images.get(i), 0, pixels, i * Digits.PIXELS, Digits.PIXELS);
        }
        Inference.Outputs out = averaged(new Digits(pixels, null, n, Digits.SIDE, Digits.SIDE, sidecar().classNames(), "input"), this::fast);
        double[][] p = new double[n][];
        for (int i = 0; i < n; i++) {
            p[i] = out.probabilities(i);
        }
        return p;
    }

    /** Member k's scores for one view of the images. */
    private interface Scorer {
        Inference.Outputs score(int member, Digits view);
    }

    /** One model and one view: its scores as they are; else the mean of every member's probabilities on every view. */
    private Inference.Outputs averaged(Digits images, Scorer scorer) {
        List<Digits> views = views(images);
        if (members.size() == 1 && views.size() == 1) {
            return scorer.score(0, images);
        }
        int runs = members.size() * views.size();
        double[] mean = null;
        int classes = 0;
        for (int k = 0; k < members.size(); k++) {
            for (Digits view : views) {
                Inference.Outputs o = scorer.score(k, view);
                classes = o.classes();
                mean = mean == null ? new double[o.n() * classes] : mean;
                for (int i = 0; i < o.n(); i++) {
                    double[] p = o.probabilities(i);
                    for (int c = 0; c < classes; c++) {
                        mean[i * classes + c] += p[c] / runs;
                    }
                }
            }
        }
        return Inference.Outputs.ofProbabilities(mean, images.size(), classes);
    }

    private List<Digits> views(Digits images) {
        if (!tta) {
            return List.of(images);
        }
        List<Digits> views = new ArrayList<>();
        for (double[] v : VIEWS) {
            views.add(v[0] == 0 && v[1] == 1 ? images : Augmentation.warped(images, v[0], v[1]));
        }
        return views;
    }

    private Inference.Outputs fast(int k, Digits images) {
        Net net = members.get(k).net();
        float[] table = inputValues.get(k);
        Digits d = images.padded(net.architecture().padding());
        float[] x = new float[d.pixels().length];
        for (int i = 0; i < x.length; i++) {
            x[i] = table[d.pixels()[i] & 0xff];
        }
        try (NDManager step = manager.newSubManager()) {
            NDArray logits = net.forward(step.create(x, new Shape(d.size(), 1, d.rows(), d.cols())), false);
            return new Inference.Outputs(logits.toFloatArray(), d.size(), (int) logits.getShape().get(1));
        }
    }

    @Override
    public void close() {
        members.forEach(ModelFolder.Loaded::close);
        manager.close();
    }
}
