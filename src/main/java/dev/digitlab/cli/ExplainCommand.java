package dev.digitlab.cli;

import dev.digitlab.data.ImagePrep;
import dev.digitlab.api.Classifier;
import dev.digitlab.eval.Explainer;
import dev.digitlab.report.DigitGrid;
import dev.digitlab.report.Heatmaps;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "explain", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Why the model says what it says: for each picture, the prediction and a heat map per method over "
                + "the 28x28 image the model saw, written as PNG overlays.",
                "saliency: |d logit / d pixel|; smoothgrad: the same averaged over 25 noisy copies; inputxgradient: the "
                + "logit's first-order drop if a pixel were erased; gradcam: Grad-CAM at the last convolution stage (not for "
                + "TorchScript models or MLPs); occlusion: how much the probability drops when a 4x4 patch (stride 2) is "
                + "filled with the data set's mean grey."})
class ExplainCommand implements Callable<Integer> {
    @Option(names = "--model", paramLabel = "DIR", description = "a model or ensemble folder (default: the shipped models/best, else models/lenet5)")
    Path model;

    @Option(names = "--method", paramLabel = "METHOD", split = ",", description = "saliency, smoothgrad, inputxgradient, gradcam, occlusion or all (default: ${DEFAULT-VALUE})")
    List<String> methods = List.of("all");

    @Option(names = "--out", paramLabel = "DIR", description = "where the PNG overlays go (default: ${DEFAULT-VALUE})")
    Path out = Path.of("explanations");

    @Parameters(paramLabel = "IMAGE", arity = "1..*", description = "PNG or JPEG files")
    List<Path> images;

    @Override
    public Integer call() throws Exception {
        List<byte[]> inputs = new ArrayList<>();
        for (Path p : images) {
            inputs.add(ImagePrep.toMnist(ImagePrep.read(p)));
        }
        try (Classifier classifier = Classifier.load(model != null ? model : ServeCommand.shippedModel())) {
            Explainer explainer = new Explainer(classifier);
            Set<Explainer.Method> chosen = EnumSet.noneOf(Explainer.Method.class);
            for (String m : methods) {
                if (m.equals("all")) {
                    chosen.addAll(explainer.methods());
                } else {
                    chosen.add(Explainer.Method.parse(m));
                }
            }
            Files.createDirectories(out);
            for (int i = 0; i < images.size(); i++) {
                Explainer.Explanation e = explainer.explain(inputs.get(i), chosen);
                String stem = images.get(i).getFileName().toString().replaceFirst("\\.[^.]*$", "");
                StringBuilder line = new StringBuilder(String.format("%s: %s (%.1f%%)", images.get(i),
                        e.prediction().className(), 100 * e.prediction().confidence()));
                for (var entry : e.maps().entrySet()) {
                    Path png = out.resolve(stem + "-" + entry.getKey() + ".png");
                    DigitGrid.writePng(Heatmaps.overlay(inputs.get(i), entry.getValue(), 10), png);
                    line.append("  ").append(entry.getKey()).append(" -> ").append(png);
                }
                System.out.println(line);
            }
        }
        return 0;
    }
}
