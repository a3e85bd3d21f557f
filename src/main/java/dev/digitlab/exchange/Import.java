package dev.digitlab.exchange;

import ai.djl.ndarray.NDManager;
import dev.digitlab.AtomicFiles;
import dev.digitlab.BadSetting;
import dev.digitlab.DigitlabException;
import dev.digitlab.Sha256;
import dev.digitlab.data.Dataset;
import dev.digitlab.data.Digits;
import dev.digitlab.data.Normalization;
import dev.digitlab.model.Architecture;
import dev.digitlab.model.Metrics;
import dev.digitlab.model.ModelFolder;
import dev.digitlab.model.Models;
import dev.digitlab.model.Net;
import dev.digitlab.model.TorchScriptCheck;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.ZipFile;

/**
 * Makes a digitlab model folder from another framework's file: a PyTorch state_dict ({@code torch.save}, zip or
 * legacy), a {@code .safetensors} file, both for a zoo architecture, or a TorchScript module ({@code torch.jit.save})
 * of any architecture. The folder then works wherever a trained one does; its sidecar says where the weights came
 * from. Nothing is written unless the whole file was read and fitted.
 */
public final class Import {

    /** What the file is. */
    public enum Format { PYTORCH_ZIP, PYTORCH_LEGACY, SAFETENSORS, TORCHSCRIPT }

    /**
     * How to use the weights: the zoo architecture (null for TorchScript), the normalisation the model was trained
     * with (null: what the file records, else MNIST's), the data set whose class names it predicts (null: likewise), optionally the file's modules in layer order, and whether a
     * TorchScript module's code is trusted (run without checking its operators; recorded in the sidecar).
     */
    public record Options(String architecture, Normalization normalization, Dataset dataset, List<String> keyMap,
                          boolean trustScript) {
        public Options(String architecture, Normalization normalization, Dataset dataset, List<String> keyMap) {
            this(architecture, normalization, dataset, keyMap, false);
        }
    }

    /** What was imported. */
    public record Result(Format format, String architecture, int tensors, Path folder) {}

    private Import() {}

    /** The file's format, from its content (never from its name). */
    public static Format detect(Path file) {
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(9);
        } catch (IOException e) {
            throw new DigitlabException(file + ": cannot read (" + e.getMessage() + ")");
        }
        if (head.length >= 2 && head[0] == 'P' && head[1] == 'K') {
            try (ZipFile zip = new ZipFile(file.toFile())) {
                boolean script = zip.stream().anyMatch(z -> z.getName().endsWith("/constants.pkl") || z.getName().contains("/code/"));
                return script ? Format.TORCHSCRIPT : Format.PYTORCH_ZIP;
            } catch (IOException e) {
                throw new DigitlabException(file + ": not a whole zip (" + e.getMessage() + "); truncated?");
            }
        }
        if (head.length == 9 && head[8] == '{') {
            return Format.SAFETENSORS;
        }
        if (head.length >= 2 && (head[0] & 0xff) == 0x80) { // pickle PROTO: the legacy torch.save stream
            return Format.PYTORCH_LEGACY;
        }
        throw new DigitlabException(file + ": neither a PyTorch file (torch.save, torch.jit.save) nor safetensors");
    }

    public static Result run(Path file, Path out, Options o) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new DigitlabException(file + ": no such file");
        }
        if (ModelFolder.isModel(out) || ModelFolder.isEnsemble(out)) {
            throw new DigitlabException(out + " already holds a model; choose another {@out}");
        }
        Format format = detect(file);
        Map<String, Object> source = new LinkedHashMap<>();
        source.put("file", file.toAbsolutePath().normalize().toString());
        source.put("format", format.name().toLowerCase(Locale.ROOT).replace('_', '-'));
        source.put("sha256", Sha256.of(file));
        source.put("importedAt", Instant.now().toString());
        // the file is read and checked before libtorch is loaded: a refusal costs no engine start
        if (format == Format.TORCHSCRIPT) {
            if (o.architecture() != null && !o.architecture().equals(Architecture.SCRIPT)) {
                throw new DigitlabException(file + ": a TorchScript module carries its own architecture; leave out {@arch}");
            }
            if (o.trustScript()) {
                source.put(ModelFolder.TRUSTED_SCRIPT, true);
            } else { // the probe runs the module: its code is read first
                TorchScriptCheck.check(file, "{@trustScript} imports it anyway, if you trust its source");
            }
            try (NDManager root = NDManager.newBaseManager()) {
                int side = probe(file, root);
                Files.createDirectories(out);
                AtomicFiles.write(out.resolve(ModelFolder.SCRIPT), w -> Files.copy(file, w));
                try (Net net = Net.script(Architecture.script(side), root, out.resolve(ModelFolder.SCRIPT))) {
                    Dataset dataset = o.dataset() != null ? o.dataset() : Dataset.MNIST;
                    ModelFolder.save(out, net, ModelFolder.sidecar(net, o.normalization() != null ? o.normalization()
                            : MNIST, dataset.classNames(), Map.of("dataset", dataset.id()), Metrics.NONE, source));
                }
            }
            return new Result(format, Architecture.SCRIPT, 0, out);
        }
        if (o.architecture() == null) {
            throw new DigitlabException(file + ": a state_dict holds weights only; name its architecture with {@arch}");
        }
        Architecture arch = Models.create(o.architecture());
        StateDict dict = format == Format.SAFETENSORS ? SafeTensors.read(file) : TorchPickle.read(file);
        List<float[]> values = WeightMapping.map(dict, arch, o.keyMap(), file.toString());
        Normalization norm = o.normalization() != null ? o.normalization() : fileNormalization(dict, file);
        Dataset dataset = o.dataset() != null ? o.dataset() : fileDataset(dict, file);
        if (o.keyMap() != null) {
            source.put("keyMap", o.keyMap());
        }
        try (NDManager root = NDManager.newBaseManager(); Net net = Net.withWeights(arch, root, values)) {
            ModelFolder.save(out, net, ModelFolder.sidecar(net, norm, dataset.classNames(), Map.of("dataset", dataset.id()),
                    Metrics.NONE, source));
        }
        return new Result(format, arch.name(), dict.tensors().size(), out);
    }

    private static final Normalization MNIST = normalization("mnist");

    /** The data set whose classes a file's model predicts, as digitlab's export records it; else MNIST. */
    private static Dataset fileDataset(StateDict dict, Path file) {
        String recorded = dict.metadata().get(StateDict.DATASET);
        try {
            return recorded == null ? Dataset.MNIST : Dataset.parse(recorded);
        } catch (DigitlabException e) {
            throw new DigitlabException(file + ": its header's " + StateDict.DATASET + " is '" + Limits.brief(recorded)
                    + "', not a data set digitlab knows");
        }
    }

    /**
     * The normalisation a file records (digitlab's own PyTorch export writes it into the safetensors header), else
     * MNIST's published statistics, which most MNIST models are trained with.
     */
    private static Normalization fileNormalization(StateDict dict, Path file) {
        String recorded = dict.metadata().get(StateDict.NORMALIZE);
        if (recorded == null) {
            return MNIST;
        }
        try {
            return normalization(recorded);
        } catch (BadSetting e) {
            throw new DigitlabException(file + ": its header's " + StateDict.NORMALIZE + " " + e.problem());
        }
    }

    /** The image side a TorchScript module takes (28, or 32 as LeNet-5's), found by giving it a blank image of each. */
    private static int probe(Path file, NDManager root) {
        StringBuilder why = new StringBuilder();
        for (int side : new int[] {Digits.SIDE, Digits.SIDE + 4}) {
            try (Net net = Net.script(Architecture.script(side), root, file); NDManager m = root.newSubManager()) {
                var out = net.forward(m.zeros(net.architecture().inputShape(2)), false);
                if (out.getShape().dimension() == 2 && out.getShape().get(0) == 2 && out.getShape().get(1) == Digits.CLASSES) {
                    return side;
                }
                why.append(side).append("x").append(side).append(" gave ").append(out.getShape()).append("; ");
            } catch (RuntimeException e) {
                if (e instanceof DigitlabException d && d.getMessage().contains("cannot load")) {
                    throw d;
                }
                why.append(side).append("x").append(side).append(" failed: ").append(firstLine(e)).append("; ");
            }
        }
        throw new DigitlabException(file + ": the module does not map a batch of 1x28x28 or 1x32x32 images to "
                + Digits.CLASSES + " scores (" + why.toString().replaceAll("; $", "") + ")");
    }

    /**
     * The line of libtorch's message that says why: its interpreter first prints the TorchScript call stack, then
     * "RuntimeError: ..."; other failures are one line.
     */
    private static String firstLine(RuntimeException e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().strip();
        String line = m.lines().map(String::strip).filter(l -> l.matches("^[A-Za-z.]*Error: .*")).findFirst()
                .orElse(m.lines().filter(l -> !l.isBlank()).findFirst().orElse(m)).strip();
        return line.length() > 200 ? line.substring(0, 200) + "..." : line;
    }

    /** Parses {@code mnist|half|none|MEAN,STD}: MNIST's published statistics, 0.5/0.5, none, or your own. */
    public static Normalization normalization(String text) {
        return switch (text) {
            case "mnist" -> new Normalization("mnist", 0.1307, 0.3081);
            case "half" -> new Normalization("half", 0.5, 0.5);
            case "none" -> new Normalization("none", 0.0, 1.0);
            default -> {
                String[] p = text.split(",");
                double mean;
                double std;
                try {
                    mean = Double.parseDouble(p[0].strip());
                    std = p.length == 2 ? Double.parseDouble(p[1].strip()) : Double.NaN;
                } catch (NumberFormatException e) {
                    mean = Double.NaN;
                    std = Double.NaN;
                }
                if (p.length != 2 || !Double.isFinite(mean) || !(std > 0)) {
                    throw new BadSetting("normalize", "must be mnist, half, none or MEAN,STD with STD > 0, got '" + text + "'");
                }
                yield new Normalization("custom", mean, std);
            }
        };
    }
}
