package dev.digitlab.exchange;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Convolution;
import ai.djl.nn.norm.Dropout;
import ai.djl.util.Pair;
import dev.digitlab.AtomicFiles;
import dev.digitlab.DigitlabException;
import dev.digitlab.Version;
import dev.digitlab.data.Normalization;
import dev.digitlab.model.Architecture;
import dev.digitlab.model.ModelFolder;
import dev.digitlab.model.Models;
import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * A model folder as PyTorch: {@code model.safetensors}, a state_dict, and {@code model.py}, an {@code nn.Module}
 * whose layers read like the zoo's table, so that {@code m = Net(); m.load_state_dict(load_file(...))} gives digitlab's
 * scores. Like the ONNX export, the module takes raw 0-255 pixels and does the padding and normalisation itself, in
 * digitlab's float32 arithmetic; it starts in eval mode, as digitlab's inference does.
 */
public final class TorchExport {
    public static final String WEIGHTS = "model.safetensors";
    public static final String MODULE = "model.py";
    private static final Map<String, String> TORCH_NAMES = Map.of("weight", "weight", "bias", "bias", "gamma", "weight",
            "beta", "bias", "runningMean", "running_mean", "runningVar", "running_var");

    private TorchExport() {}

    public static void write(Path modelDir, Path out) throws IOException {
        if (ModelFolder.isEnsemble(modelDir)) {
            throw new DigitlabException(modelDir + " is an ensemble; export its members one by one for PyTorch "
                    + "(or the whole ensemble with {@format} onnx)");
        }
        Files.createDirectories(out);
        try (NDManager root = NDManager.newBaseManager(); ModelFolder.Loaded m = ModelFolder.load(modelDir, root)) {
            Architecture arch = m.net().architecture();
            if (arch.scripted()) {
                throw new DigitlabException(modelDir + " is a TorchScript module already: load " + ModelFolder.SCRIPT
                        + " with torch.jit.load");
            }
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            List<String> lines = new ArrayList<>();
            List<Architecture.Layer> layers = arch.layers();
            for (int i = 0; i < layers.size(); i++) {
                Architecture.Layer l = layers.get(i);
                lines.add("            " + module(l) + ",  # " + i);
                for (Pair<String, Parameter> p : l.block().getParameters()) {
                    NDArray a = p.getValue().getArray();
                    tensors.put("layers." + i + "." + TORCH_NAMES.get(p.getValue().getName()),
                            Tensor.of(a.toFloatArray(), a.getShape().getShape()));
                }
                if (l.type().startsWith("BatchNorm")) {
                    tensors.put("layers." + i + ".num_batches_tracked", new Tensor(Tensor.I64, new long[0], null, new long[] {0}));
                }
            }
            SafeTensors.write(out.resolve(WEIGHTS), tensors, Map.of("format", "pt", "producer", "digitlab " + Version.VERSION,
                    "architecture", arch.name(), StateDict.NORMALIZE, m.sidecar().norm().mean() + "," + m.sidecar().norm().std(),
                    StateDict.DATASET, Objects.requireNonNullElse(m.sidecar().dataset(), "mnist")));
            AtomicFiles.writeString(out.resolve(MODULE), source(arch, m.sidecar(), lines));
        }
    }

    /** The PyTorch module for one layer, with the arguments the zoo built it with. */
    private static String module(Architecture.Layer l) {
        var ps = l.block().getParameters();
        return switch (l.type()) {
            case "Conv2d" -> {
                Convolution c = (Convolution) l.block();
                long[] w = ps.get("weight").getArray().getShape().getShape();
                yield String.format(Locale.ROOT, "nn.Conv2d(%d, %d, kernel_size=%d, stride=%d, padding=%d)", w[1], w[0],
                        c.getKernelShape().get(0), c.getStride().get(0), c.getPadding().get(0));
            }
            case "Linear" -> {
                long[] w = ps.get("weight").getArray().getShape().getShape();
                yield "nn.Linear(" + w[1] + ", " + w[0] + ")";
            }
            case "BatchNorm2d", "BatchNorm1d" -> "nn." + l.type() + "(" + ps.get("gamma").getArray().getShape().get(0)
                    + ", eps=" + Models.BN_EPSILON + ")";
            case "Tanh" -> "nn.Tanh()";
            case "ReLU" -> "nn.ReLU()";
            case "AvgPool2d" -> "nn.AvgPool2d(2)";
            case "MaxPool2d" -> "nn.MaxPool2d(2)";
            case "Flatten" -> "nn.Flatten()";
            case "Dropout" -> "nn.Dropout(" + dropoutRate(l.block()) + ")";
            default -> throw new IllegalStateException("no PyTorch form for layer type " + l.type());
        };
    }

    /** DJL's Dropout keeps its rate private; read for the module's text only (at inference dropout does nothing). */
    private static float dropoutRate(Block dropout) {
        try {
            Field f = Dropout.class.getDeclaredField("rate");
            f.setAccessible(true);
            return f.getFloat(dropout);
        } catch (ReflectiveOperationException e) {
            return 0.5f; // PyTorch's default; the rate does not change what the module computes in eval mode
        }
    }

    private static String source(Architecture arch, ModelFolder.Sidecar s, List<String> layers) {
        Normalization n = s.norm();
        int pad = arch.padding();
        return String.join("\n",
                "\"\"\"digitlab's " + arch.name() + " as a PyTorch module, written by digitlab " + Version.VERSION + ".",
                "",
                "    from safetensors.torch import load_file",
                "    from model import Net",
                "    m = Net()",
                "    m.load_state_dict(load_file(\"" + WEIGHTS + "\"))",
                "    probabilities = m(pixels).softmax(dim=1)",
                "",
                "pixels: float32 [batch, 1, 28, 28], grey values 0-255, white strokes on black (MNIST-like: crop and centre a",
                "photo first, as `digitlab predict` does). Classes: " + String.join(", ", s.classNames()) + ".",
                "The module pads" + (pad > 0 ? " by " + pad + " pixels (to " + arch.inputSize() + "x" + arch.inputSize() + ")" : " nothing")
                        + " and normalises (" + s.normalization() + ": mean " + s.mean() + ", std " + s.std() + ")",
                "itself, in digitlab's float32 arithmetic, and starts in eval mode; call .train() to fine-tune.",
                "\"\"\"",
                "import torch",
                "from torch import nn",
                "import torch.nn.functional as F",
                "",
                "PAD = " + pad,
                "SCALE = " + floatLiteral(n.scale()) + "  # float32 1 / (255 * std)",
                "SHIFT = " + floatLiteral(n.shift()) + "  # float32 mean / std",
                "",
                "",
                "class Net(nn.Module):",
                "    def __init__(self):",
                "        super().__init__()",
                "        self.layers = nn.Sequential(",
                String.join("\n", layers),
                "        )",
                "        self.register_buffer(\"scale\", torch.tensor(SCALE, dtype=torch.float32), persistent=False)",
                "        self.register_buffer(\"shift\", torch.tensor(SHIFT, dtype=torch.float32), persistent=False)",
                "        self.eval()",
                "",
                "    def forward(self, pixels):",
                "        x = F.pad(pixels, (PAD, PAD, PAD, PAD)) if PAD else pixels",
                "        return self.layers(x * self.scale - self.shift)",
                "");
    }

    /** A Python literal that is exactly the float32 value (its shortest double text, read back as float32). */
    private static String floatLiteral(float v) {
        return Double.toString(v);
    }
}
