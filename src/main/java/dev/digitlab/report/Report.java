package dev.digitlab.report;

import dev.digitlab.AtomicFiles;
import dev.digitlab.data.Digits;
import dev.digitlab.eval.Evaluation;
import dev.digitlab.eval.Explainer;
import dev.digitlab.eval.ModelStudy;
import dev.digitlab.model.Architecture;
import dev.digitlab.model.Inference;
import dev.digitlab.model.ModelFolder;
import dev.digitlab.model.Models;
import dev.digitlab.model.Summary;
import dev.digitlab.train.EpochStats;
import dev.digitlab.train.History;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/** One self-contained HTML page (pictures beside it, no network) drawing a {@link ModelStudy} of a trained model. */
public final class Report {
    private static final Color WRONG = new Color(0xd62728);

    /** What the report says where a TorchScript model has no layers to show. */
    public static final String NO_LAYERS = "This is a TorchScript model: libtorch runs it as one piece, so it has no layers "
            + "digitlab can look into (no feature maps, filters, t-SNE of its features or Grad-CAM). Import the state_dict "
            + "with --arch to see them.";

    /** The figures a test or a user may want back, besides the files. */
    public record Result(Path html, double accuracy, Map<String, Double> tsneKnn) {}

    private Report() {}

    public static Result write(Path modelDir, Path out, Digits train, Digits test, ModelStudy.Options o, Consumer<String> log)
            throws IOException {
        ModelStudy study = ModelStudy.of(modelDir, test, o, log);
        Files.createDirectories(out);
        ModelFolder.Sidecar s = study.sidecar();
        List<String> names = s.classNames();
        Evaluation e = study.evaluation();
        Html html = new Html();
        html.title("digitlab report: " + s.architecture() + " (" + modelDir + ")");
        html.p(String.format("Test accuracy <b>%.2f %%</b> (%d of %d), test loss %.4f.", 100 * e.accuracy(),
                e.images() - e.wrong().length, e.images(), e.loss()));
        log.accept("report: drawing curves, confusion matrix, class distribution");
        curves(modelDir, out, html);
        html.section("Confusion matrix and per-class figures");
        html.img(Charts.save(Charts.confusion(e.confusion(), names), out, "confusion"), "confusion matrix");
        html.table(perClass(e));
        html.img(Charts.save(Charts.classDistribution(names, train.classCounts(), test.classCounts()), out,
                "class-distribution"), "class distribution");
        galleries(test, study, names, out, html);
        explanations(test, study, names, out, html);
        Map<String, Double> knn = new LinkedHashMap<>();
        if (study.insides() == null) {
            html.section("Inside the network");
            html.p(NO_LAYERS);
        } else {
            insides(test, study, names, out, html);
            knn = tsne(study, names, out, html);
        }
        html.section("Model and run");
        html.pre(s.architecture().equals(Architecture.SCRIPT)
                ? "TorchScript module, " + s.inputSize() + "x" + s.inputSize() + " input"
                : Summary.of(Models.create(s.architecture())).toString());
        html.pre(s.training() == null ? "" : s.training().toPrettyString());
        if (s.source() != null) {
            html.pre("imported from " + s.source().toPrettyString());
        }
        AtomicFiles.writeString(out.resolve("index.html"), html.toString());
        return new Result(out.resolve("index.html"), e.accuracy(), knn);
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
        if (h.isEmpty()) {
            html.p("No epochs were trained (--epochs 0: the untrained network, a baseline), so no curves.");
            return;
        }
        double[] epoch = h.stream().mapToDouble(EpochStats::epoch).toArray();
        boolean hasVal = h.stream().noneMatch(x -> Double.isNaN(x.valLoss()));
        html.img(Charts.save(Charts.curve("Loss", "cross-entropy", epoch, h.stream().mapToDouble(EpochStats::trainLoss).toArray(),
                hasVal ? h.stream().mapToDouble(EpochStats::valLoss).toArray() : null), out, "loss"), "loss curves");
        html.img(Charts.save(Charts.curve("Accuracy", "accuracy", epoch, h.stream().mapToDouble(EpochStats::trainAccuracy).toArray(),
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

    private static void galleries(Digits test, ModelStudy study, List<String> names, Path out, Html html) throws IOException {
        Inference.Outputs o = study.outputs();
        int[] sample = study.sample();
        html.section("Sample predictions");
        BufferedImage grid = DigitGrid.draw(test, sample, 8, k -> caption(names, o, sample[k]),
                k -> o.predicted(sample[k]) == test.label(sample[k]) ? Color.BLACK : WRONG);
        html.img(png(grid, out, "predictions"), "sample predictions: predicted class and confidence, wrong ones in red");
        html.section("The most confident mistakes");
        int[] wrong = study.mistakes();
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

    /** Each explained image in a row: the image, then one heat map per method. */
    private static void explanations(Digits test, ModelStudy study, List<String> names, Path out, Html html) throws IOException {
        html.section("Why: explanations of sample predictions and mistakes");
        html.p("Heat maps over the 28x28 image the model saw, for the predicted class. saliency: |d logit / d pixel|; "
                + "smoothgrad: the same averaged over 25 noisy copies; inputxgradient: the logit's first-order drop if a "
                + "pixel were erased; gradcam: Grad-CAM at the last convolution stage; occlusion: the drop in probability "
                + "when a 4x4 patch is greyed out. docs/EXPLAIN.md says how far each can be trusted.");
        for (boolean mistakes : new boolean[] {false, true}) {
            List<ModelStudy.Explained> rows = study.explained().stream().filter(x -> x.mistake() == mistakes).toList();
            if (rows.isEmpty()) {
                continue;
            }
            List<Explainer.Method> methods = List.copyOf(rows.get(0).explanation().maps().keySet());
            List<String> columns = new ArrayList<>(List.of("image"));
            methods.forEach(m -> columns.add(m.toString()));
            List<byte[]> images = new ArrayList<>();
            List<String> captions = new ArrayList<>();
            List<List<float[]>> maps = new ArrayList<>();
            for (ModelStudy.Explained x : rows) {
                images.add(test.image(x.image()));
                var p = x.explanation().prediction();
                captions.add(String.format("#%d: %s %.0f%%%s", x.image(), p.className(), 100 * p.confidence(),
                        mistakes ? " (true " + names.get(test.label(x.image())) + ")" : ""));
                List<float[]> row = new ArrayList<>();
                row.add(null);
                methods.forEach(m -> row.add(x.explanation().maps().get(m)));
                maps.add(row);
            }
            String name = mistakes ? "explain-mistakes" : "explain-samples";
            html.img(png(Heatmaps.table(images, captions, columns, maps, 4), out, name),
                    mistakes ? "explanations of the most confident mistakes" : "explanations of sample predictions");
        }
    }

    private static void insides(Digits test, ModelStudy study, List<String> names, Path out, Html html) throws IOException {
        ModelStudy.Insides in = study.insides();
        int index = in.image();
        html.section("Inside the network, for test image " + index + " (true class " + names.get(test.label(index)) + ")");
        html.img(png(DigitGrid.draw(test, new int[] {index}, 1, k -> names.get(test.label(index)), k -> Color.BLACK), out,
                "input"), "the input image");
        for (ModelStudy.FeatureMaps m : in.maps()) {
            String title = String.format("%s-%d: %d maps of %dx%d", m.type(), m.layer() + 1, m.channels(), m.height(), m.width());
            html.img(png(NetPictures.featureMaps(title, m.values(), m.channels(), m.height(), m.width()), out,
                    "feature-maps-" + (m.layer() + 1)), "feature maps of layer " + (m.layer() + 1));
        }
        if (in.filters() != null) {
            int[] f = in.filterShape();
            html.img(png(NetPictures.filters(in.filters(), f[0], f[1], f[2]), out, "filters"), "first-layer filters");
        } else {
            html.p("This model has no convolution layers, so no feature maps or filters.");
        }
        double[] p = in.probabilities();
        html.img(png(NetPictures.outputStrip(p, Inference.argmax(p), names), out, "output"), "the output layer");
    }

    private static Map<String, Double> tsne(ModelStudy study, List<String> names, Path out, Html html) throws IOException {
        List<ModelStudy.Embedding> embeddings = study.embeddings();
        html.section("t-SNE of " + embeddings.get(0).points().length + " test images");
        Map<String, Double> knn = new LinkedHashMap<>();
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"input to t-SNE", "5-NN accuracy in the 2-D embedding"});
        String[] files = {"tsne-raw", "tsne-untrained", "tsne-trained"};
        for (int f = 0; f < embeddings.size(); f++) {
            ModelStudy.Embedding e = embeddings.get(f);
            knn.put(e.input(), e.knnAccuracy());
            rows.add(new String[] {e.input(), String.format("%.1f %%", 100 * e.knnAccuracy())});
            html.img(Charts.save(Charts.scatter("t-SNE: " + e.input(), e.points(), e.labels(), names), out, files[f]),
                    "t-SNE of " + e.input());
        }
        html.table(rows);
        return knn;
    }

    private static String png(BufferedImage img, Path out, String name) throws IOException {
        DigitGrid.writePng(img, out.resolve(name + ".png"));
        return name + ".png";
    }
}
