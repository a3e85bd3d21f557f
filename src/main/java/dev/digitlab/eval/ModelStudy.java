package dev.digitlab.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.digitlab.BadSetting;
import dev.digitlab.api.Classifier;
import dev.digitlab.data.Digits;
import dev.digitlab.data.Split;
import dev.digitlab.data.TensorSet;
import dev.digitlab.model.Architecture;
import dev.digitlab.model.Inference;
import dev.digitlab.model.ModelFolder;
import dev.digitlab.model.Models;
import dev.digitlab.model.Net;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import java.util.stream.IntStream;

/**
 * Everything the report shows about a model, computed: test figures, which images to show, what the network does
 * inside with one of them, t-SNE maps of raw pixels and of the untrained and trained features, and explanations of
 * sample predictions and mistakes. The report only draws it.
 */
public record ModelStudy(ModelFolder.Sidecar sidecar, Evaluation evaluation, Inference.Outputs outputs, int[] sample,
                         int[] mistakes, Insides insides, List<Embedding> embeddings, List<Explained> explained) {

    /** Which image to dissect, how many points per t-SNE, the seed for the samples and t-SNE. */
    public record Options(int imageIndex, int tsnePoints, long seed) {
        /** The first test image's feature maps; 2,000 points per t-SNE (about 12 s on two cores, docs/RESULTS.md). */
        public static final Options DEFAULT = new Options(0, 2000, 1);
    }

    /** One convolution layer's output for the dissected image: channels x height x width values. */
    public record FeatureMaps(int layer, String type, int channels, int height, int width, float[] values) {}

    /** The dissected image: its feature maps, the first layer's filters (out x in x k x k), its output probabilities. */
    public record Insides(int image, List<FeatureMaps> maps, float[] filters, int[] filterShape, double[] probabilities) {}

    /** One t-SNE map: what went in, the 2-D points, their labels, and its 5-nearest-neighbour accuracy. */
    public record Embedding(String input, double[][] points, int[] labels, double knnAccuracy) {}

    /** One explained test image: its index, prediction and maps. */
    public record Explained(int image, boolean mistake, Explainer.Explanation explanation) {}

    /** Pictures per gallery, and explained images per gallery. */
    public static final int GALLERY = 48;
    public static final int EXPLAINED = 6;

    public static ModelStudy of(Path modelDir, Digits test, Options o, Consumer<String> log) {
        BadSetting.check(o.imageIndex() >= 0 && o.imageIndex() < test.size(), "imageIndex",
                "must be 0-" + (test.size() - 1) + ", got " + o.imageIndex());
        BadSetting.check(o.tsnePoints() >= 10 && o.tsnePoints() <= Math.min(Tsne.MAX_POINTS, test.size()), "tsnePoints",
                "must be 10-" + Math.min(Tsne.MAX_POINTS, test.size()) + ", got " + o.tsnePoints());
        try (NDManager manager = NDManager.newBaseManager(); ModelFolder.Loaded model = ModelFolder.load(modelDir, manager)) {
            ModelFolder.Sidecar s = model.sidecar();
            Net net = model.net();
            Architecture arch = net.architecture();
            Inference.Outputs outputs;
            try (TensorSet set = new TensorSet(manager, test, arch.padding(), s.norm())) {
                outputs = Inference.run(net, set, 1000);
            }
            Evaluation e = Evaluation.of(outputs, test);
            int[] sample = Split.sample(test.size(), GALLERY, new Random(o.seed()));
            int[] mistakes = IntStream.range(0, test.size()).filter(i -> outputs.predicted(i) != test.label(i)).boxed()
                    .sorted(Comparator.comparingDouble(i -> -outputs.probabilities(i)[outputs.predicted(i)]))
                    .limit(GALLERY).mapToInt(Integer::intValue).toArray();
            Insides insides = null;
            List<Embedding> embeddings = List.of();
            if (!arch.scripted()) {
                log.accept("report: feature maps, filters, output layer");
                insides = insides(net, manager, test, s, outputs, o.imageIndex());
                log.accept("report: t-SNE of " + o.tsnePoints() + " test images (three embeddings)");
                embeddings = tsne(net, manager, test, s, o);
            }
            log.accept("report: explanations of " + EXPLAINED + " sample predictions and " + Math.min(EXPLAINED, mistakes.length)
                    + " mistakes");
            List<Explained> explained = explain(modelDir, test, sample, mistakes);
            return new ModelStudy(s, e, outputs, sample, mistakes, insides, embeddings, explained);
        }
    }

    private static Insides insides(Net net, NDManager manager, Digits test, ModelFolder.Sidecar s, Inference.Outputs o, int index) {
        try (NDManager step = manager.newSubManager();
             TensorSet one = new TensorSet(step, test.subset(new int[] {index}), net.architecture().padding(), s.norm())) {
            List<FeatureMaps> maps = featureMaps(net, one.images(step, 0, 1));
            float[] filters = null;
            int[] filterShape = null;
            for (Architecture.Layer l : net.architecture().layers()) {
                if (l.type().equals("Conv2d")) {
                    NDArray w = l.block().getParameters().get("weight").getArray();
                    filters = w.toFloatArray();
                    filterShape = Arrays.stream(w.getShape().getShape()).mapToInt(v -> (int) v).toArray();
                    break;
                }
            }
            return new Insides(index, maps, filters, filterShape, o.probabilities(index));
        }
    }

    /** Every convolution layer's output for one image (the model's input {@code x}, 1 x 1 x side x side). */
    static List<FeatureMaps> featureMaps(Net net, NDArray x) {
        List<NDArray> layers = net.forwardLayers(x);
        List<Architecture.Layer> defs = net.architecture().layers();
        List<FeatureMaps> maps = new ArrayList<>();
        for (int l = 0; l < defs.size(); l++) {
            if (defs.get(l).type().equals("Conv2d")) {
                long[] shape = layers.get(l).getShape().getShape();
                maps.add(new FeatureMaps(l, defs.get(l).type(), (int) shape[1], (int) shape[2], (int) shape[3],
                        layers.get(l).toFloatArray()));
            }
        }
        return maps;
    }

    private static List<Embedding> tsne(Net trained, NDManager manager, Digits test, ModelFolder.Sidecar s, Options o) {
        Digits sample = test.subset(Split.sample(test.size(), o.tsnePoints(), new Random(o.seed() + 1)));
        int[] labels = IntStream.range(0, sample.size()).map(sample::label).toArray();
        double[][] raw = new double[sample.size()][sample.imageSize()];
        for (int i = 0; i < sample.size(); i++) {
            for (int p = 0; p < sample.imageSize(); p++) {
                raw[i][p] = (sample.pixels()[i * sample.imageSize() + p] & 0xff) / 255.0;
            }
        }
        Architecture arch = trained.architecture();
        Map<String, double[][]> inputs = new LinkedHashMap<>();
        try (TensorSet set = new TensorSet(manager, sample, arch.padding(), s.norm());
             Net untrained = Net.create(Models.create(arch.name()), manager, o.seed())) {
            inputs.put("raw pixels", raw);
            inputs.put("untrained model, penultimate layer", Features.penultimate(untrained, set, 500));
            inputs.put("trained model, penultimate layer", Features.penultimate(trained, set, 500));
        }
        List<Embedding> out = new ArrayList<>();
        inputs.forEach((name, x) -> {
            double[][] y = Tsne.embed(Pca.project(x, 50, o.seed()), 30, o.seed());
            out.add(new Embedding(name, y, labels, Tsne.knnAccuracy(y, labels, 5)));
        });
        return out;
    }

    private static List<Explained> explain(Path modelDir, Digits test, int[] sample, int[] mistakes) {
        List<Explained> out = new ArrayList<>();
        try (Classifier classifier = Classifier.load(modelDir)) {
            Explainer explainer = new Explainer(classifier);
            EnumSet<Explainer.Method> methods = EnumSet.copyOf(explainer.methods());
            for (int k = 0; k < Math.min(EXPLAINED, sample.length); k++) {
                out.add(new Explained(sample[k], false, explainer.explain(test.image(sample[k]), methods)));
            }
            for (int k = 0; k < Math.min(EXPLAINED, mistakes.length); k++) {
                out.add(new Explained(mistakes[k], true, explainer.explain(test.image(mistakes[k]), methods)));
            }
        }
        return out;
    }
}
