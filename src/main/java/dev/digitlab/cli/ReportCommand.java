package dev.digitlab.cli;

import dev.digitlab.data.DataFolder;
import dev.digitlab.eval.ModelStudy;
import dev.digitlab.model.ModelFolder;
import dev.digitlab.report.Report;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "report", mixinStandardHelpOptions = true,
        description = {"Write one HTML page about a trained model, with every picture beside it as PNG (and SVG for charts): "
                + "curves, confusion matrix, per-class table, class distribution, sample predictions, the most confident "
                + "mistakes, feature maps, first-layer filters, the output layer, and t-SNE of raw pixels, untrained and "
                + "trained features. Works offline."})
class ReportCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "a saved model folder")
    Path model;

    @Option(names = "--out", paramLabel = "DIR", description = "where the page goes (default: DIR/report)")
    Path out;

    @Option(names = "--image-index", description = "test image whose feature maps are shown (default: ${DEFAULT-VALUE})")
    int imageIndex = ModelStudy.Options.DEFAULT.imageIndex();

    @Option(names = "--tsne-points", description = "test images in each t-SNE (default: ${DEFAULT-VALUE})")
    int tsnePoints = ModelStudy.Options.DEFAULT.tsnePoints();

    @Option(names = "--seed", description = "which sample images and t-SNE start (default: ${DEFAULT-VALUE})")
    long seed = ModelStudy.Options.DEFAULT.seed();

    @Mixin
    DataOptions data;

    @Override
    public Integer call() throws Exception {
        Path page = write(model, out, data.orModelDefault(ModelFolder.readSidecar(model).dataset()),
                new ModelStudy.Options(imageIndex, tsnePoints, seed));
        System.out.println("wrote " + page);
        return 0;
    }

    static Path write(Path model, Path out, DataOptions data, ModelStudy.Options options) throws Exception {
        DataFolder.TrainTest tt = data.load();
        Path dir = out != null ? out : model.resolve("report");
        return Report.write(model, dir, tt.train(), tt.test(), options, Main::info).html();
    }
}
