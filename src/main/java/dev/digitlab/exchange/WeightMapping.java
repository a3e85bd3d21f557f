package dev.digitlab.exchange;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import dev.digitlab.DigitlabException;
import dev.digitlab.model.Architecture;
import dev.digitlab.model.Models;
import dev.digitlab.model.Net;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Puts a PyTorch state_dict's tensors into a zoo architecture's parameters. The file's keys depend on how its author
 * wrote the module ({@code conv1.weight}, {@code features.0.weight}, ...), so tensors are grouped into modules by
 * their prefix, and the modules are matched to the architecture's layers with parameters by what the keys and shapes
 * say, never by where a key stands in the file (a safetensors header has no order; the library writes keys sorted):
 * a module fits a layer when it is of the layer's kind (convolution, linear, BatchNorm) and every tensor has the
 * layer's shape; key paths order modules only where they can ({@code features.2} before {@code features.10},
 * {@code conv1} before {@code conv2}; {@code features} and {@code classify} say nothing). The one assignment that fits
 * is taken; when several fit, a pickled state_dict's order (PyTorch writes modules in the order they were
 * registered) decides between modules of the same kind, and otherwise the import is refused, naming the candidates.
 * A key map names the file's modules in the order of the architecture's layers with parameters. BatchNorm's
 * {@code num_batches_tracked} is checked and dropped (digitlab's BatchNorm keeps no count); anything left over,
 * missing, of another shape or not float32 is an error naming it.
 */
final class WeightMapping {
    /** PyTorch's name for each of digitlab's (DJL's) parameter names. */
    private static final Map<String, String> TORCH_NAMES = Map.of("weight", "weight", "bias", "bias", "gamma", "weight",
            "beta", "bias", "runningMean", "running_mean", "runningVar", "running_var");

    private WeightMapping() {}

    /** One layer of the architecture that holds parameters: its index, kind, and parameters (DJL's name, shape). */
    private record Layer(int index, String type, String kind, List<Param> parameters) {}

    private record Param(String name, long[] shape) {}

    /** One module of the file: its key prefix and its tensors by last key part. */
    private record Module(String prefix, Map<String, Tensor> tensors) {
        String kind() {
            Tensor w = tensors.get("weight");
            if (tensors.containsKey("running_mean")) {
                return "batchnorm";
            }
            return w == null ? "unknown" : w.shape().length == 4 ? "conv" : w.shape().length == 2 ? "linear" : "unknown";
        }

        String describe() {
            List<String> parts = new ArrayList<>();
            tensors.forEach((k, t) -> parts.add(key(k) + " " + t.shapeText()));
            return String.join(", ", parts);
        }

        String key(String part) {
            return prefix.isEmpty() ? part : prefix + "." + part;
        }
    }

    /**
     * The architecture's parameter values, in its parameter order, from {@code dict}; {@code keyMap}, when not null,
     * lists the file's module prefixes in the order of the architecture's layers with parameters.
     */
    static List<float[]> map(StateDict dict, Architecture arch, List<String> keyMap, String file) {
        dict.tensors().forEach((key, t) -> {
            boolean count = key.endsWith("num_batches_tracked");
            if (!(count ? Tensor.I64 : Tensor.F32).equals(t.dtype())) {
                throw new DigitlabException(file + ": tensor " + key + " is " + t.dtype() + "; digitlab models hold "
                        + (count ? "an int64 count there" : "float32 (convert with .float() before saving)"));
            }
        });
        List<Layer> layers = layers(arch);
        Map<String, Module> modules = modules(dict);
        List<Module> assigned = new ArrayList<>();
        if (keyMap != null) {
            if (keyMap.size() != layers.size()) {
                throw new DigitlabException("{@keyMap} names " + keyMap.size() + " modules, but " + arch.name() + " has "
                        + layers.size() + " layers with parameters (" + describe(layers) + ")");
            }
            for (String prefix : keyMap) {
                Module m = modules.get(prefix);
                if (m == null) {
                    throw new DigitlabException("{@keyMap} names module '" + prefix + "', which " + file + " lacks (it has "
                            + String.join(", ", modules.keySet()) + ")");
                }
                assigned.add(m);
            }
        } else {
            assigned = assign(layers, modules, !dict.format().equals("safetensors"), arch, file);
        }
        List<float[]> values = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            values.addAll(take(layers.get(i), assigned.get(i), arch, file));
        }
        return values;
    }

    /** Steps the search may take before it gives up and asks for a key map (a zoo model needs a few hundred). */
    private static final int SEARCH_STEPS = 1_000_000;

    /**
     * The modules in the order of {@code layers}: the one assignment the keys and shapes allow, with the file's order
     * as the tie-breaker where it means something ({@code ordered}); otherwise an error naming what does not fit.
     */
    private static List<Module> assign(List<Layer> layers, Map<String, Module> byPrefix, boolean ordered, Architecture arch,
            String file) {
        List<Module> modules = new ArrayList<>(byPrefix.values());
        if (modules.size() == layers.size()) {
            List<List<Module>> fits = fits(layers, modules, false, arch, file);
            if (fits.size() > 1 && ordered) {
                fits = fits(layers, modules, true, arch, file);
            }
            if (fits.size() == 1) {
                return fits.get(0);
            }
            if (fits.size() > 1) {
                throw ambiguous(layers, fits, arch, file);
            }
        }
        return diagnose(layers, modules, arch, file);
    }

    /** Up to two assignments of modules to layers that fit by kind, shape and key order. */
    private static List<List<Module>> fits(List<Layer> layers, List<Module> modules, boolean byFileOrder, Architecture arch,
            String file) {
        List<List<Module>> found = new ArrayList<>();
        int[] steps = {SEARCH_STEPS};
        search(0, layers, modules, new Module[layers.size()], new boolean[modules.size()], byFileOrder, found, steps);
        if (steps[0] < 0) {
            throw new DigitlabException(file + ": too many ways to fit its " + modules.size() + " modules to " + arch.name()
                    + "'s layers; name them in layer order with {@keyMap}");
        }
        return found;
    }

    private static void search(int i, List<Layer> layers, List<Module> modules, Module[] chosen, boolean[] used,
            boolean byFileOrder, List<List<Module>> found, int[] steps) {
        if (found.size() > 1 || --steps[0] < 0) {
            return;
        }
        if (i == layers.size()) {
            found.add(List.of(chosen));
            return;
        }
        for (int k = 0; k < modules.size(); k++) {
            Module m = modules.get(k);
            if (used[k] || !fitsLayer(layers.get(i), m) || !after(chosen, i, m, modules, byFileOrder)) {
                continue;
            }
            used[k] = true;
            chosen[i] = m;
            search(i + 1, layers, modules, chosen, used, byFileOrder, found, steps);
            used[k] = false;
        }
    }

    /** Whether {@code m} may follow every module chosen so far. */
    private static boolean after(Module[] chosen, int i, Module m, List<Module> modules, boolean byFileOrder) {
        for (int j = 0; j < i; j++) {
            int order = KeyOrder.known(chosen[j].prefix(), m.prefix());
            if (order == 0 && byFileOrder && chosen[j].kind().equals(m.kind())) {
                order = Integer.compare(modules.indexOf(chosen[j]), modules.indexOf(m));
            }
            if (order > 0) {
                return false;
            }
        }
        return true;
    }

    private static boolean fitsLayer(Layer l, Module m) {
        if (!m.kind().equals(l.kind())) {
            return false;
        }
        Set<String> left = new LinkedHashSet<>(m.tensors().keySet());
        for (Param p : l.parameters()) {
            Tensor t = m.tensors().get(TORCH_NAMES.get(p.name()));
            if (t == null || !Arrays.equals(t.shape(), p.shape())) {
                return false;
            }
            left.remove(TORCH_NAMES.get(p.name()));
        }
        left.remove("num_batches_tracked");
        return left.isEmpty();
    }

    /** Names, for each layer that more than one module could fill, the modules that fit it and the keys cannot order. */
    private static DigitlabException ambiguous(List<Layer> layers, List<List<Module>> fits, Architecture arch, String file) {
        List<Module> modules = fits.get(0);
        List<String> where = new ArrayList<>();
        for (Layer l : layers) {
            List<String> candidates = modules.stream().filter(m -> fitsLayer(l, m)).map(Module::prefix).toList();
            boolean unordered = candidates.stream().anyMatch(a -> candidates.stream().anyMatch(b -> !a.equals(b)
                    && KeyOrder.known(a, b) == 0));
            if (unordered) {
                where.add("layer " + (l.index() + 1) + " (" + l.type() + "): " + String.join(" or ", candidates));
            }
        }
        return new DigitlabException(file + ": its modules fit " + arch.name() + "'s layers in more than one way ("
                + String.join("; ", where) + "); name them in layer order with {@keyMap}, for example "
                + String.join(",", modules.stream().map(Module::prefix).toList()));
    }

    /**
     * Nothing fits: matches modules to layers kind by kind in key order, so that the error names the first tensor
     * that is missing, left over or of another shape.
     */
    private static List<Module> diagnose(List<Layer> layers, List<Module> modules, Architecture arch, String file) {
        Map<String, List<Module>> byKind = new LinkedHashMap<>();
        modules.stream().sorted((x, y) -> KeyOrder.natural(x.prefix(), y.prefix()))
                .forEach(m -> byKind.computeIfAbsent(m.kind(), k -> new ArrayList<>()).add(m));
        if (byKind.containsKey("unknown")) {
            Module m = byKind.get("unknown").get(0);
            throw new DigitlabException(file + ": extra tensor(s) " + m.describe() + ": " + arch.name()
                    + " has no layer that holds them");
        }
        List<Module> assigned = new ArrayList<>();
        Map<String, Integer> used = new LinkedHashMap<>();
        for (Layer l : layers) {
            List<Module> candidates = byKind.getOrDefault(l.kind(), List.of());
            int k = used.merge(l.kind(), 1, Integer::sum) - 1;
            if (k >= candidates.size()) {
                throw new DigitlabException(file + ": missing tensors for " + arch.name() + "'s layer " + (l.index() + 1)
                        + " (" + l.type() + ", " + expected(l) + "): the file has only " + candidates.size() + " "
                        + l.kind() + " module(s)");
            }
            assigned.add(candidates.get(k));
        }
        for (var e : byKind.entrySet()) {
            int n = used.getOrDefault(e.getKey(), 0);
            if (e.getValue().size() > n) {
                throw new DigitlabException(file + ": extra tensor(s) " + e.getValue().get(n).describe() + ": "
                        + arch.name() + " has " + n + " " + e.getKey() + " layer(s)");
            }
        }
        for (int i = 0; i < layers.size(); i++) {
            take(layers.get(i), assigned.get(i), arch, file);
        }
        throw new DigitlabException(file + ": its modules fit " + arch.name() + "'s layers only against the order their "
                + "names give (" + String.join(", ", modules.stream().map(Module::prefix).toList())
                + "); name them in layer order with {@keyMap}");
    }

    private static List<float[]> take(Layer l, Module m, Architecture arch, String file) {
        Set<String> left = new LinkedHashSet<>(m.tensors().keySet());
        List<float[]> out = new ArrayList<>();
        String where = arch.name() + "'s layer " + (l.index() + 1) + " (" + l.type() + ")";
        for (Param p : l.parameters()) {
            String part = TORCH_NAMES.get(p.name());
            long[] shape = p.shape();
            Tensor t = m.tensors().get(part);
            if (t == null) {
                throw new DigitlabException(file + ": missing tensor " + m.key(part) + ": " + where + " needs one of shape "
                        + Arrays.toString(shape));
            }
            if (!Arrays.equals(t.shape(), shape)) {
                throw new DigitlabException(file + ": tensor " + m.key(part) + " has shape " + t.shapeText() + ", but "
                        + where + " needs " + Arrays.toString(shape));
            }
            if (!Tensor.F32.equals(t.dtype())) {
                throw new DigitlabException(file + ": tensor " + m.key(part) + " is " + t.dtype()
                        + "; digitlab models hold float32 (convert with .float() before saving)");
            }
            out.add(t.floats());
            left.remove(part);
        }
        Tensor count = m.tensors().get("num_batches_tracked");
        if (count != null && l.kind().equals("batchnorm")) {
            if (!Tensor.I64.equals(count.dtype()) || count.size() != 1) {
                throw new DigitlabException(file + ": tensor " + m.key("num_batches_tracked") + " is " + count.dtype() + " "
                        + count.shapeText() + "; PyTorch writes one int64");
            }
            left.remove("num_batches_tracked");
        }
        if (!left.isEmpty()) {
            String part = left.iterator().next();
            throw new DigitlabException(file + ": extra tensor " + m.key(part) + " " + m.tensors().get(part).shapeText()
                    + ": " + where + " has no such parameter");
        }
        return out;
    }

    private static Map<String, Module> modules(StateDict dict) {
        Map<String, Module> modules = new LinkedHashMap<>();
        dict.tensors().forEach((key, t) -> {
            int dot = key.lastIndexOf('.');
            String prefix = dot < 0 ? "" : key.substring(0, dot);
            modules.computeIfAbsent(prefix, p -> new Module(p, new LinkedHashMap<>())).tensors().put(key.substring(dot + 1), t);
        });
        return modules;
    }

    /** The layers with parameters of a fresh instance of {@code arch}, their parameters' names and shapes. */
    private static List<Layer> layers(Architecture arch) {
        List<Layer> out = new ArrayList<>();
        Architecture fresh = Models.create(arch.name());
        try (NDManager m = NDManager.newBaseManager(); Net net = Net.create(fresh, m, 0)) {
            var all = fresh.layers();
            for (int i = 0; i < all.size(); i++) {
                List<Param> params = new ArrayList<>();
                for (Pair<String, Parameter> p : all.get(i).block().getParameters()) {
                    params.add(new Param(p.getValue().getName(), p.getValue().getArray().getShape().getShape()));
                }
                if (params.isEmpty()) {
                    continue;
                }
                String type = all.get(i).type();
                String kind = type.startsWith("Conv") ? "conv" : type.startsWith("Linear") ? "linear" : "batchnorm";
                out.add(new Layer(i, type, kind, params));
            }
        }
        return out;
    }

    private static String expected(Layer l) {
        List<String> parts = new ArrayList<>();
        for (Param p : l.parameters()) {
            parts.add(TORCH_NAMES.get(p.name()) + " " + Arrays.toString(p.shape()));
        }
        return String.join(", ", parts);
    }

    private static String describe(List<Layer> layers) {
        List<String> parts = new ArrayList<>();
        layers.forEach(l -> parts.add((l.index() + 1) + " " + l.type()));
        return String.join(", ", parts);
    }
}
