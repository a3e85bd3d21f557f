package dev.digitlab.cli;

import dev.digitlab.exchange.OnnxExport;
import dev.digitlab.exchange.TorchExport;
import dev.digitlab.model.ModelFolder;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "export", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Write a model (or, for ONNX, an ensemble) for other frameworks:",
                "onnx: one .onnx file (opset 13, dynamic batch) taking raw 0-255 pixels, padding and normalisation inside.",
                "pytorch: model.safetensors (a state_dict) and model.py (the matching nn.Module) in a folder."})
class ExportCommand implements Callable<Integer> {
    enum Format { onnx, pytorch }

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "a model folder (or, for onnx, an ensemble folder)")
    Path model;

    @Option(names = "--format", required = true, paramLabel = "FORMAT", description = "onnx or pytorch")
    Format format;

    @Option(names = "--out", paramLabel = "PATH", description = "the .onnx file, or the folder for pytorch (default: DIR/model.onnx or DIR/pytorch)")
    Path out;

    @Override
    public Integer call() throws Exception {
        if (format == Format.onnx) {
            Path file = out != null ? out : model.resolve("model.onnx");
            OnnxExport.write(model, file);
            System.out.println("wrote " + file + " (ONNX opset 13; input 'pixels' float32 [batch, 1, 28, 28], 0-255; "
                    + "outputs 'probabilities'" + (ModelFolder.isEnsemble(model) ? "" : " and 'logits'") + ")");
        } else {
            Path dir = out != null ? out : model.resolve("pytorch");
            TorchExport.write(model, dir);
            System.out.println("wrote " + dir.resolve(TorchExport.WEIGHTS) + " and " + dir.resolve(TorchExport.MODULE));
        }
        return 0;
    }
}
