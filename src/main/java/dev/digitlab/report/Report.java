package dev.digitlab.report;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.digitlab.AtomicFiles;
import dev.digitlab.BadSetting;
import dev.digitlab.data.Digits;
import dev.digitlab.data.Split;
import dev.digitlab.data.TensorSet;
import dev.digitlab.eval.Evaluation;
import dev.digitlab.eval.Features;
import dev.digitlab.eval.Pca;
import dev.digitlab.eval.Tsne;
import dev.digitlab.model.Architecture;
import dev.digitlab.model.Inference;
import dev.digitlab.model.ModelFolder;
import dev.digitlab.model.Net;
import dev.digitlab.model.Summary;
import dev.digitlab.train.EpochStats;
import dev.digitlab.train.History;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import java.util.stream.IntStream;

/** One self-contained HTML page (pictures beside it, no network) about a trained model. */
public final class Report {
    private static final Color WRONG = new Color(0xd62728);
    private static final int GALLERY = 48;

    /** What the report needs beyond the model: the data, the test image to dissect, the t-SNE sample size. */
    public record Options(int imageIndex, int tsnePoints, long seed) {
        /** The first test image's feature maps; 2,000 points per t-SNE (about 12 s on two cores, docs/PERFORMANCE.md). */
        public static final Options DEFAULT = new Options(0, 2000, 1);
    }

    /** The figures a test or a user may want back, besides the files. */
    public record Result(Path html, double accuracy, Map<String, Double> tsneKnn) {}

    /** What the report says where a TorchScript model has no layers to show. */
    public static final String NO_LAYERS = "This is a TorchScript model: libtorch runs it as one piece, so it has no layers "
            + "digitlab can look into (no feature maps, filters, t-SNE of its features or Grad-CAM). Import the state_dict "
            + "with --arch to see them.";

    private Report() {}

    public static Result write(Path modelDir, Path out, Digits train, Digits test, Options o, Consumer<String> log)
            throws IOException {
        BadSetting.check(o.imageIndex() >= 0 && o.imageIndex() < test.size(), "imageIndex",
                "must be 0-" + (test.size() - 1) + ", got " + o.imageIndex());
        BadSetting.check(o.tsnePoints() >= 10 && o.tsnePoints() <= Math.min(Tsne.MAX_POINTS, test.size()), "tsnePoints",
                "must be 10-" + Math.min(Tsne.MAX_POINTS, test.size()) + ", got " + o.tsnePoints());
        Files.createDirectories(out);
        Html html = new Html();
        try (NDManager manager = NDManager.newBaseManager(); ModelFolder.Loaded model = ModelFolder.load(modelDir, manager)) {
            ModelFolder.Sidecar s = model.sidecar();
            Net net = model.net();
            Architecture arch = net.architecture();
            List<String> names = s.classNames();
            html.title("digitlab report: " + arch.name() + " (" + modelDir + ")");
            try (TensorSet testSet = new TensorSet(manager, test, arch.padding(), s.norm())) {
                Inference.Outputs outputs = Inference.run(net, testSet, 1000);
                Evaluation e = Evaluation.of(outputs, test);
                html.p(String.format("Test accuracy <b>%.2f %%</b> (%d of %d), test loss %.4f.", 100 * e.accuracy(),
                        e.images() - e.wrong().length, e.images(), e.loss()));

                log.accept("report: curves, confusion matrix, class distribution");
                curves(modelDir, out, html);
                html.section("Confusion matrix and per-class figures");
                html.img(Charts.save(Charts.confusion(e.confusion(), names), out, "confusion"), "confusion matrix");
                html.table(perClass(e));
                html.img(Charts.save(Charts.classDistribution(names, train.classCounts(), test.classCounts()), out,
                        "class-distribution"), "class distribution");

                log.accept("report: predictions and mistakes");
                predictions(test, outputs, names, out, html, o.seed());

                Map<String, Double> knn = Map.of();
                if (arch.scripted()) {
                    html.section("Inside the network");
                    html.p(NO_LAYERS);
                } else {
                    log.accept("report: feature maps, filters, output layer");
                    insides(net, testSet, test, outputs, o.imageIndex(), names, out, html);

                    log.accept("report: t-SNE of " + o.tsnePoints() + " test images (three embeddings)");
                    knn = tsne(net, arch, s, manager, test, o, names, out, html);
                }

                html.section("Model and run");
                html.pre(arch.scripted() ? "TorchScript module, " + arch.inputSize() + "x" + arch.inputSize() + " input"
                        : Summary.of(dev.digitlab.model.Models.create(arch.name())).toString());
                if (s.source() != null) {
                    html.pre("imported from " + s.source().toPrettyString());
                }
                html.pre(s.training() == null ? "" : s.training().toPrettyString());
                AtomicFiles.writeString(out.resolve("index.html"), html.toString());
                return new Result(out.resolve("index.html"), e.accuracy(), knn);
            }
        }
    }

    private static void curves(Path modelDir, Path out, Html html) throws IOException {
        html.section("Training curves");
        // a run folder holds its history; its best/ model finds it one level up
        Path dir = modelDir.toAbsolutePath();
        if (!Files.exists(dir.resolve(History.JSON_FILE)) && dir.getParent() != null) {
            dir = dir.getParent();
        }
        if (!Files.exists(dir.resolve(History.JSON_FILE))) {
            html.p("No history.json beside the model, so no curves.");
            return;
        }
        List<EpochStats> h = History.read(dir);
        double[] epoch = h.stream().mapToDouble(EpochStats::epoch).toArray();
        boolean hasVal = h.stream().noneMatch(x -> Double.isNaN(x.valLoss()));
        html.img(Charts.save(Charts.curve("Loss", "cross-entropy", epoch, h.stream().mapToDouble(EpochStats::trainLoss).toArray(),
                hasVal ? h.stream().mapToDouble(EpochStats::valLoss).toArray() : null), out, "loss"), "loss curves");
        html.img(Charts.save(Charts.curve("Accuracy", "accuracy", epoch, h.stream().mapToDouble(x -> x.trainAccuracy()).toArray(),
                hasVal ? h.stream().mapToDouble(EpochStats::valAccuracy).toArray() : null), out, "accuracy"), "accuracy curves");
        double total = h.stream().mapToDouble(EpochStats::seconds).sum();
        html.p(String.format("%d epochs, %.1f s of training (%.1f s per epoch).", h.size(), total, total / Math.max(1, h.size())));
    }

    private static List<String[]> perClass(Evaluation e) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"class", "precision", "recall", "F1", "support"});
        for (int c = 0; c < e.classNames().size(); c++) {
            rows.add(new String[] {e.classNames().get(c), String.format("%.4f", e.precision()[c]),
                    String.format("%.4f", e.recall()[c]), String.format("%.4f", e.f1()[c]), String.valueOf(e.support()[c])});
        }
        return rows;
    }

    private static void predictions(Digits test, Inference.Outputs o, List<String> names, Path out, Html html, long seed)
            throws IOException {
        html.section("Sample predictions");
        int[] all = IntStream.range(0, test.size()).toArray();
        Split.shuffle(all, new Random(seed));
        int[] sample = Arrays.copyOf(all, Math.min(GALLERY, all.length));
        BufferedImage grid = DigitGrid.draw(test, sample, 8, k -> caption(names, o, sample[k]),
                k -> o.predicted(sample[k]) == test.label(sample[k]) ? Color.BLACK : WRONG);
        html.img(png(grid, out, "predictions"), "sample predictions: predicted class and confidence, wrong ones in red");
        html.section("The most confident mistakes");
        int[] wrong = IntStream.range(0, test.size()).filter(i -> o.predicted(i) != test.label(i)).boxed()
                .sorted(Comparator.comparingDouble(i -> -o.probabilities(i)[o.predicted(i)]))
                .limit(GALLERY).mapToInt(Integer::intValue).toArray();
        if (wrong.length == 0) {
            html.p("No mistakes on the test set.");
            return;
        }
        BufferedImage gallery = DigitGrid.draw(test, wrong, 8, k -> Charts.shortName(names, test.label(wrong[k])) + ">"
                + caption(names, o, wrong[k]), k -> WRONG);
        html.img(png(gallery, out, "mistakes"), "wrong predictions, most confident first: true > predicted confidence");
    }

    private static String caption(List<String> names, Inference.Outputs o, int i) {
        int p = o.predicted(i);
        return String.format("%s %.0f%%", Charts.shortName(names, p), 100 * o.probabilities(i)[p]);
    }

    private static void insides(Net net, TensorSet set, Digits test, Inference.Outputs o, int index, List<String> names,
                                Path out, Html html) throws IOException {
        html.section("Inside the network, for test image " + index + " (true class " + names.get(test.label(index)) + ")");
        html.img(png(DigitGrid.draw(test, new int[] {index}, 1, k -> names.get(test.label(index)), k -> Color.BLACK), out,
                "input"), "the input image");
        try (NDManager step = net.manager().newSubManager()) {
            List<NDArray> layers = net.forwardLayers(set.images(step, new int[] {index}, 0, 1));
            List<Architecture.Layer> defs = net.architecture().layers();
            boolean filtersDone = false;
            for (int l = 0; l < defs.size(); l++) {
                if (!defs.get(l).type().equals("Conv2d")) {
                    continue;
                }
                long[] shape = layers.get(l).getShape().getShape();
                String name = "feature-maps-" + (l + 1);
                html.img(png(NetPictures.featureMaps(String.format("%s-%d: %d maps of %dx%d", defs.get(l).type(), l + 1,
                        shape[1], shape[2], shape[3]), layers.get(l).toFloatArray(), (int) shape[1], (int) shape[2],
                        (int) shape[3]), out, name), "feature maps of layer " + (l + 1));
                if (!filtersDone) {
                    NDArray w = defs.get(l).block().getParameters().get("weight").getArray();
                    long[] ws = w.getShape().getShape();
                    html.img(png(NetPictures.filters(w.toFloatArray(), (int) ws[0], (int) ws[1], (int) ws[2]), out, "filters"),
                            "first-layer filters");
                    filtersDone = true;
                }
            }
            if (!filtersDone) {
                html.p("This model has no convolution layers, so no feature maps or filters.");
            }
        }
        html.img(png(NetPictures.outputStrip(o.probabilities(index), o.predicted(index), names), out, "output"),
                "the output layer");
    }

    private static Map<String, Double> tsne(Net trained, Architecture arch, ModelFolder.Sidecar s, NDManager manager,
                                            Digits test, Options o, List<String> names, Path out, Html html)
            throws IOException {
        html.section("t-SNE of " + o.tsnePoints() + " test images");
        int[] order = IntStream.range(0, test.size()).toArray();
        Split.shuffle(order, new Random(o.seed() + 1));
        Digits sample = test.subset(Arrays.copyOf(order, o.tsnePoints()));
        int[] labels = IntStream.range(0, sample.size()).map(sample::label).toArray();
        double[][] raw = new double[sample.size()][sample.imageSize()];
        for (int i = 0; i < sample.size(); i++) {
            for (int p = 0; p < sample.imageSize(); p++) {
                raw[i][p] = (sample.pixels()[i * sample.imageSize() + p] & 0xff) / 255.0;
            }
        }
        Map<String, Double> knn = new LinkedHashMap<>();
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"input to t-SNE", "5-NN accuracy in the 2-D embedding"});
        try (TensorSet set = new TensorSet(manager, sample, arch.padding(), s.norm());
             Net untrained = Net.create(dev.digitlab.model.Models.create(arch.name()), manager, o.seed())) {
            Map<String, double[][]> inputs = new LinkedHashMap<>();
            inputs.put("raw pixels", raw);
            inputs.put("untrained model, penultimate layer", Features.penultimate(untrained, set, 500));
            inputs.put("trained model, penultimate layer", Features.penultimate(trained, set, 500));
            String[] files = {"tsne-raw", "tsne-untrained", "tsne-trained"};
            int f = 0;
            for (Map.Entry<String, double[][]> in : inputs.entrySet()) {
                double[][] y = Tsne.embed(Pca.project(in.getValue(), 50, o.seed()), 30, o.seed());
                double acc = Tsne.knnAccuracy(y, labels, 5);
                knn.put(in.getKey(), acc);
                rows.add(new String[] {in.getKey(), String.format("%.1f %%", 100 * acc)});
                html.img(Charts.save(Charts.scatter("t-SNE: " + in.getKey(), y, labels, names), out, files[f++]),
                        "t-SNE of " + in.getKey());
            }
        }
        html.table(rows);
        return knn;
    }

    private static String png(BufferedImage img, Path out, String name) throws IOException {
        DigitGrid.writePng(img, out.resolve(name + ".png"));
        return name + ".png";
    }
}
