package dev.digitlab.cli;

import dev.digitlab.data.ImagePrep;
import dev.digitlab.api.Classifier;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "predict", mixinStandardHelpOptions = true,
        description = {"Classify PNG or JPEG pictures of digits of any size, colour or grey; prints the top 3.",
                "Each picture is made MNIST-like first: grey, white on black, cropped to the ink, "
                + "scaled into 20x20 and centred by its centre of mass in 28x28."})
class PredictCommand implements Callable<Integer> {
    @Option(names = "--model", paramLabel = "DIR", description = "a saved model or ensemble folder (default: the shipped models/best, else models/lenet5)")
    Path model;

    @Option(names = "--tta", description = "test-time augmentation: also look at each picture turned and scaled a little, and average")
    boolean tta;

    @Parameters(paramLabel = "IMAGE", arity = "1..*", description = "PNG or JPEG files")
    List<Path> images;

    @Override
    public Integer call() {
        List<byte[]> inputs = new ArrayList<>();
        for (Path p : images) { // decode all first: one bad file fails before any output
            inputs.add(ImagePrep.toMnist(ImagePrep.read(p)));
        }
        try (Classifier classifier = Classifier.load(model != null ? model : ServeCommand.shippedModel(), tta)) {
            double[][] probs = classifier.probabilities(inputs);
            List<String> names = classifier.sidecar().classNames();
            for (int i = 0; i < images.size(); i++) {
                double[] p = probs[i];
                Integer[] order = IntStream.range(0, p.length).boxed().toArray(Integer[]::new);
                Arrays.sort(order, Comparator.comparingDouble(c -> -p[c]));
                StringBuilder sb = new StringBuilder(images.get(i) + ":");
                for (int k = 0; k < 3; k++) {
                    sb.append(String.format("  %s %.1f%%", names.get(order[k]), 100 * p[order[k]]));
                }
                System.out.println(sb);
            }
        }
        return 0;
    }
}
