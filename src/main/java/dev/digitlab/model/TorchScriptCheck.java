package dev.digitlab.model;

import dev.digitlab.DigitlabException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Reads a TorchScript archive's code before libtorch may load it. TorchScript is a program: besides tensor arithmetic
 * its operator set holds {@code torch.from_file(path, shared=True, n)}, which maps (and creates) any file, and
 * {@code torch.save}/{@code torch.load}, custom operator namespaces and more, all run at load ({@code __setstate__})
 * or at every forward. A module digitlab runs untrusted may call only the pure tensor operators below; anything else
 * is refused, naming the operator. The operator names are read from the archive's serialised sources
 * ({@code code/**.py}), which are the program libtorch compiles: every {@code torch.NAME} and {@code ops.NS.NAME}
 * reference (called or not), every method call, every bare call.
 */
public final class TorchScriptCheck {
    /**
     * What real exports of CNNs contain (torch.jit.trace and torch.jit.script of the zoo's models and of a CNN with
     * BatchNorm, Dropout, view/flatten/reshape and log_softmax, interop/torchscript_fixtures.py), and their neighbours
     * a CNN may use. None reads or writes anything but tensors.
     */
    static final Set<String> ATEN = Set.of(
            // layers
            "_convolution", "convolution", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
            "linear", "addmm", "matmul", "mm", "bmm", "batch_norm", "layer_norm", "group_norm", "instance_norm",
            "dropout", "dropout_", "feature_dropout", "feature_dropout_", "alpha_dropout", "embedding",
            "max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d", "adaptive_avg_pool1d",
            "adaptive_avg_pool2d", "adaptive_max_pool2d", "max_pool2d_with_indices", "upsample_nearest2d",
            "upsample_bilinear2d", "pad", "constant_pad_nd", "pixel_shuffle",
            // activations and normalisation of scores
            "relu", "relu_", "relu6", "hardtanh", "hardtanh_", "leaky_relu", "leaky_relu_", "elu", "elu_", "selu",
            "gelu", "silu", "silu_", "mish", "hardswish", "hardswish_", "hardsigmoid", "sigmoid", "sigmoid_", "tanh",
            "tanh_", "softplus", "softmax", "log_softmax", "_softmax", "_log_softmax", "threshold", "prelu",
            // shapes
            "flatten", "view", "reshape", "squeeze", "unsqueeze", "permute", "transpose", "t", "contiguous", "expand",
            "expand_as", "repeat", "narrow", "select", "slice", "index_select", "cat", "stack", "chunk", "split",
            "unbind", "size", "dim", "numel", "len", "view_as", "reshape_as", "flip",
            // arithmetic
            "add", "add_", "sub", "sub_", "rsub", "mul", "mul_", "div", "div_", "neg", "pow", "sqrt", "rsqrt", "exp",
            "log", "abs", "clamp", "clamp_", "clamp_min", "clamp_max", "max", "min", "maximum", "minimum", "mean",
            "sum", "argmax", "argmin", "amax", "floor", "ceil", "round", "floordiv", "remainder", "fmod", "norm",
            "zero_", "fill_", "copy_", "masked_fill", "where", "sign",
            // comparisons and scalars, as scripted code checks its inputs
            "eq", "ne", "lt", "gt", "le", "ge", "__is__", "__isnot__", "__not__", "__and__", "__or__", "__contains__",
            "Int", "Float", "Bool", "IntImplicit", "FloatImplicit", "ScalarImplicit", "scalar_tensor", "tensor",
            "item", "to", "type_as", "float", "detach", "clone", "zeros", "ones", "zeros_like", "ones_like",
            "full_like", "arange", "list", "append", "format", "warn", "str", "_unwrap_optional", "dtype", "device");
    /** The interpreter's own instructions that serialised code spells out (raising, casts, no I/O). */
    static final Set<String> PRIM = Set.of("RaiseException", "NumToTensor", "unchecked_unwrap_optional", "TupleIndex",
            "dtype", "device", "is_cuda", "min", "max", "shape", "data", "layout", "requires_grad", "Uninitialized");
    /** Python builtins that serialised TorchScript uses as syntax. */
    static final Set<String> BUILTINS = Set.of("int", "float", "bool", "str", "len", "range", "enumerate", "zip",
            "annotate", "unchecked_cast", "uninitialized", "isinstance", "min", "max", "abs", "round", "divmod",
            "print", "list", "tuple", "dict");
    private static final Set<String> KEYWORDS = Set.of("return", "if", "elif", "while", "for", "in", "not", "and",
            "or", "assert", "raise", "is", "else", "lambda", "yield", "del", "with", "as", "pass");
    /**
     * Tensor methods that reach storage or files. The compiler resolves {@code (x).name(...)} on a tensor to the
     * tensor's own method even where the archive defines a module method of that name.
     */
    private static final Set<String> STORAGE_METHODS = Set.of("from_file", "save", "load", "set_", "share_memory_",
            "_share_filename_", "_share_fd_", "storage", "untyped_storage", "_typed_storage", "data_ptr");
    private static final long MAX_SOURCE = 16 << 20;
    /** Strings and comments hold no code; triple-quoted strings first. */
    private static final Pattern NOT_CODE = Pattern.compile(
            "\"\"\"(?s:.*?)\"\"\"|'''(?s:.*?)'''|\"(?:\\\\.|[^\"\\\\\\n])*+\"|'(?:\\\\.|[^'\\\\\\n])*+'|#[^\\n]*");
    /** What a string literal becomes once read: a name that is no call and no operator. */
    private static final String LITERAL = "__literal__";
    /**
     * A backslash at a line's end: TorchScript's lexer joins the lines (inside a string too), which a reader line
     * by line would not, so code could hide behind it. Serialised TorchScript never writes one.
     */
    private static final Pattern CONTINUATION = Pattern.compile("\\\\\\r?\\n");
    /**
     * {@code getattr(self, "0")}: a Sequential's numbered child, as jit.script and jit.trace write it; read as the
     * object itself. Any other getattr (a name that could be a tensor method) stays a call, and is refused.
     */
    private static final Pattern NUMBERED_CHILD = Pattern.compile("getattr\\(\\s*([A-Za-z_]\\w*)\\s*,\\s*\"\\d+\"\\s*\\)");
    private static final Pattern REFERENCE = Pattern.compile(
            "(?<![\\w.])(def\\s+|class\\s+)?([A-Za-z_]\\w*(?:\\s*\\.\\s*[A-Za-z_]\\w*)*)(\\s*\\()?|[)\\]]\\s*\\.\\s*([A-Za-z_]\\w*)\\s*\\(");
    /** The archive's own functions and classes, whose methods may be called. */
    private static final Pattern DEFINED = Pattern.compile("(?m)(?:def|class)\\s+([A-Za-z_]\\w*)");
    /**
     * Locals assigned to ({@code _0 = __torch__.torch.nn.functional.batch_norm}): scripted code calls them by that
     * name, and what they were assigned is checked where it is written; they name no method.
     */
    private static final Pattern ASSIGNED = Pattern.compile("(?m)^\\s*([A-Za-z_]\\w*)\\s*(?::[^=\\n]*)?=(?!=)");

    private TorchScriptCheck() {}

    /**
     * Throws a one-line DigitlabException naming the first operator outside the allow-list, or the archive's
     * problem; returns normally when every operator is a pure tensor operation.
     */
    public static void check(Path file, String advice) {
        List<String> sources = new ArrayList<>();
        try (ZipFile zip = new ZipFile(file.toFile())) {
            long total = 0;
            Set<String> names = new HashSet<>();
            for (var e = zip.entries(); e.hasMoreElements(); ) {
                ZipEntry z = e.nextElement();
                if (!names.add(z.getName())) { // which copy libtorch's reader takes is not the one a lookup by name gives
                    throw new DigitlabException(file + ": refused: the archive holds " + brief(z.getName()) + " twice");
                }
                if (!isCode(z.getName())) {
                    continue;
                }
                total += Math.max(z.getSize(), 0);
                if (z.getSize() < 0 || total > MAX_SOURCE) {
                    throw new DigitlabException(file + ": its TorchScript code claims more than " + MAX_SOURCE
                            + " bytes; not a model digitlab runs");
                }
                try (InputStream in = zip.getInputStream(z)) {
                    byte[] b = in.readNBytes((int) z.getSize());
                    if (in.read() != -1) {
                        throw new DigitlabException(file + ": entry " + brief(z.getName()) + " holds more than its directory says");
                    }
                    sources.add(new String(b, StandardCharsets.UTF_8));
                }
            }
        } catch (ZipException e) {
            throw new DigitlabException(file + ": not a whole zip (" + brief(e.getMessage()) + "); truncated?");
        } catch (IOException e) {
            throw new DigitlabException(file + ": cannot read (" + brief(e.getMessage()) + ")");
        }
        if (sources.isEmpty()) {
            throw new DigitlabException(file + ": a zip without TorchScript code (code/*.py); not a torch.jit.save file");
        }
        Set<String> defined = new HashSet<>();
        Set<String> assigned = new HashSet<>();
        List<String> code = new ArrayList<>();
        for (String s : sources) {
            if (CONTINUATION.matcher(s).find()) {
                throw new DigitlabException(file + ": refused: its TorchScript code continues a line with a backslash, "
                        + "which serialised TorchScript never does and this check does not read; " + advice);
            }
            String c = withoutStrings(s);
            if (c.indexOf('"') >= 0 || c.indexOf('\'') >= 0 || c.indexOf('\\') >= 0) {
                throw new DigitlabException(file + ": refused: its TorchScript code has a quote or backslash outside "
                        + "any string this check can read; " + advice);
            }
            code.add(c);
            Matcher d = DEFINED.matcher(c);
            while (d.find()) {
                defined.add(d.group(1));
            }
            Matcher a = ASSIGNED.matcher(c);
            while (a.find()) {
                assigned.add(a.group(1));
            }
        }
        for (String c : code) {
            String bad = firstRefused(c, defined, assigned);
            if (bad != null) {
                throw new DigitlabException(file + ": refused: the module calls " + bad + ", which is not a pure tensor "
                        + "operation; " + advice);
            }
        }
    }

    /** The source with every string literal emptied and every comment removed: neither holds code. */
    static String withoutStrings(String source) {
        String children = NUMBERED_CHILD.matcher(source).replaceAll(m -> Set.of("torch", "ops", "__torch__")
                .contains(m.group(1)) ? m.group() : m.group(1));
        return NOT_CODE.matcher(children).replaceAll(m -> m.group().startsWith("#") ? "" : LITERAL);
    }

        /** Code libtorch compiles: {@code code/} sources (not their debug pickles). */
    private static boolean isCode(String name) {
        return name.endsWith(".py") && (name.contains("/code/") || name.startsWith("code/"));
    }

    /** The first reference outside the allow-list, as written, or null. */
    static String firstRefused(String code, Set<String> defined) {
        return firstRefused(code, defined, Set.of());
    }

    /** As above, with the locals that code assigned to, which it may call by name. */
    static String firstRefused(String code, Set<String> defined, Set<String> assigned) {
        Matcher m = REFERENCE.matcher(code);
        while (m.find()) {
            if (m.group(4) != null) { // (obj).method(...): a module's method, defined in the archive
                if (!defined.contains(m.group(4)) || STORAGE_METHODS.contains(m.group(4))) {
                    return "." + m.group(4);
                }
                continue;
            }
            if (m.group(1) != null) { // a definition, not a use
                continue;
            }
            String name = m.group(2).replaceAll("\\s+", "");
            boolean call = m.group(3) != null;
            if (KEYWORDS.contains(name)) {
                continue;
            }
            String[] parts = name.split("\\.");
            String refused = switch (parts[0]) {
                // code of this archive, checked where it is defined; torch.classes are native (TorchBind) classes
                case "__torch__" -> parts.length == 1 || parts.length > 2 && parts[1].equals("torch")
                        && parts[2].equals("classes") ? name : null;
                case "torch" -> parts.length >= 2 && parts[1].equals("ops") ? op(name, parts, 2)
                        : parts.length == 2 && ATEN.contains(parts[1]) ? null : name;
                case "ops" -> op(name, parts, 1);
                default -> {
                    if (parts.length > 1) { // attribute access (self.fc, x.shape): a call of it must be defined here
                        String method = parts[parts.length - 1];
                        yield call && (!defined.contains(method) || STORAGE_METHODS.contains(method)) ? name : null;
                    }
                    yield !call || BUILTINS.contains(name) || defined.contains(name) || assigned.contains(name) ? null : name;
                }
            };
            if (refused != null) {
                return brief(refused);
            }
        }
        return null;
    }

    /** {@code ops.NS.NAME}: aten operators from the list, a few prim instructions, no other namespace. */
    private static String op(String name, String[] parts, int at) {
        if (parts.length != at + 2) {
            return name;
        }
        String ns = parts[at];
        String op = parts[at + 1];
        boolean ok = ns.equals("aten") && ATEN.contains(op) || ns.equals("prim") && PRIM.contains(op);
        return ok ? null : name;
    }

    private static String brief(String s) {
        String one = String.valueOf(s).replaceAll("[\\s\\p{Cc}]+", " ");
        return one.length() <= 80 ? one : one.substring(0, 77) + "...";
    }
}
