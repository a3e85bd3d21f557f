package dev.digitlab.exchange;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Convolution;
import ai.djl.util.Pair;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.digitlab.AtomicFiles;
import dev.digitlab.DigitlabException;
import dev.digitlab.Version;
import dev.digitlab.data.Digits;
import dev.digitlab.data.Normalization;
import dev.digitlab.exchange.onnx.Onnx.AttributeProto;
import dev.digitlab.exchange.onnx.Onnx.GraphProto;
import dev.digitlab.exchange.onnx.Onnx.ModelProto;
import dev.digitlab.exchange.onnx.Onnx.NodeProto;
import dev.digitlab.exchange.onnx.Onnx.OperatorSetIdProto;
import dev.digitlab.exchange.onnx.Onnx.StringStringEntryProto;
import dev.digitlab.exchange.onnx.Onnx.TensorProto;
import dev.digitlab.exchange.onnx.Onnx.TensorShapeProto;
import dev.digitlab.exchange.onnx.Onnx.TypeProto;
import dev.digitlab.exchange.onnx.Onnx.ValueInfoProto;
import dev.digitlab.model.Architecture;
import dev.digitlab.model.ModelFolder;
import dev.digitlab.model.Models;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A model or ensemble folder as one ONNX model (opset 13), built as protobuf messages from ONNX's own schema.
 *
 * <p>The graph takes what a user has: {@code pixels}, float32 {@code [batch, 1, 28, 28]}, grey values 0-255, white
 * strokes on black (MNIST-like; cropping and centring a photo is the caller's, as {@code predict} does before the
 * model). Everything digitlab does between those pixels and the network is inside: LeNet-5's 2-pixel zero padding,
 * then the model's normalisation in digitlab's own float32 arithmetic ({@code x * scale - shift}). Outputs:
 * {@code probabilities} {@code [batch, 10]}; for a single model also {@code logits}. An ensemble averages its members'
 * probabilities, as digitlab does. The model's metadata says all this.
 */
public final class OnnxExport {
    static final int OPSET = 13;
    private static final long IR_VERSION = 7; // the IR of opset 13
    public static final String INPUT = "pixels";

    private OnnxExport() {}

    public static void write(Path modelDir, Path file) {
        List<Path> members = ModelFolder.members(modelDir);
        GraphProto.Builder graph = GraphProto.newBuilder().setName("digitlab")
                .setDocString("digitlab " + ModelFolder.readSidecar(members.get(0)).architecture() + " from " + modelDir);
        graph.addInput(value(INPUT, "batch", 1, Digits.SIDE, Digits.SIDE).setDocString(
                "grey values 0-255, white strokes on black, 28x28 as MNIST (crop and centre a photo first)"));
        List<String> probabilities = new ArrayList<>();
        ModelFolder.Sidecar first = null;
        try (NDManager root = NDManager.newBaseManager()) {
            for (int k = 0; k < members.size(); k++) {
                try (ModelFolder.Loaded m = ModelFolder.load(members.get(k), root)) {
                    first = first == null ? m.sidecar() : first;
                    String prefix = members.size() == 1 ? "" : "m" + (k + 1) + "/";
                    String logits = network(graph, prefix, m);
                    String p = prefix + "probabilities";
                    graph.addNode(node("Softmax", List.of(logits), p, prefix + "softmax").addAttribute(attr("axis", 1)));
                    probabilities.add(p);
                    if (members.size() == 1) {
                        graph.addNode(node("Identity", List.of(logits), "logits", "logits"));
                        graph.addOutput(value("logits", "batch", Digits.CLASSES).setDocString("scores before softmax"));
                    }
                }
            }
        }
        if (members.size() > 1) {
            graph.addNode(node("Mean", probabilities, "probabilities", "ensemble_mean"));
        }
        graph.addOutput(value("probabilities", "batch", Digits.CLASSES).setDocString(
                members.size() == 1 ? "softmax of the logits" : "the mean of the members' softmax"));
        ModelProto model = ModelProto.newBuilder().setIrVersion(IR_VERSION).setProducerName("digitlab")
                .setProducerVersion(Version.VERSION).setDomain("dev.digitlab").setModelVersion(1)
                .setDocString("digitlab model " + modelDir.getFileName() + ": pixels (0-255, 1x28x28, white on black) -> "
                        + "probabilities of " + first.classNames().size() + " classes")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setGraph(graph).addAllMetadataProps(metadata(first, members.size())).build();
        AtomicFiles.write(file, out -> model.writeTo(out));
    }

    private static List<StringStringEntryProto> metadata(ModelFolder.Sidecar s, int members) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("digitlab.input", INPUT + ": float32 [batch, 1, 28, 28], grey values 0-255, white strokes on black");
        m.put("digitlab.preprocessing.inside", "LeNet-5's 2-pixel zero padding (when the model takes 32x32), then the "
                + "normalisation x * (1 / (255 std)) - mean / std");
        m.put("digitlab.preprocessing.outside", "making a picture MNIST-like: grey, inverted when dark on light, "
                + "cropped to the ink, scaled into 20x20, centred by its centre of mass in 28x28 (digitlab predict does it)");
        m.put("digitlab.normalization", s.normalization() + " mean " + s.mean() + " std " + s.std());
        m.put("digitlab.architecture", s.architecture() + (members > 1 ? " x " + members + " (ensemble)" : ""));
        m.put("digitlab.outputs", members > 1 ? "probabilities [batch, 10]: mean of the members' softmax"
                : "logits [batch, 10]; probabilities [batch, 10] = softmax(logits)");
        try {
            m.put("digitlab.classes", new ObjectMapper().writeValueAsString(s.classNames()));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        m.put("digitlab.version", Version.VERSION);
        List<StringStringEntryProto> out = new ArrayList<>();
        m.forEach((k, v) -> out.add(StringStringEntryProto.newBuilder().setKey(k).setValue(v).build()));
        return out;
    }

    /** Adds one member's nodes (pixels in, logits out) and returns the name of its logits. */
    private static String network(GraphProto.Builder g, String prefix, ModelFolder.Loaded m) {
        Architecture arch = m.net().architecture();
        if (arch.scripted()) {
            throw new DigitlabException("a TorchScript model has no layers digitlab can write as ONNX; export it from "
                    + "PyTorch with torch.onnx.export");
        }
        String x = INPUT;
        int pad = arch.padding();
        if (pad > 0) {
            g.addInitializer(longs(prefix + "pad_amounts", new long[] {0, 0, pad, pad, 0, 0, pad, pad}, 8));
            g.addInitializer(floats(prefix + "pad_value", new float[] {0f}));
            x = add(g, node("Pad", List.of(x, prefix + "pad_amounts", prefix + "pad_value"), prefix + "padded", prefix + "pad")
                    .addAttribute(attr("mode", "constant")));
        }
        Normalization norm = m.sidecar().norm();
        g.addInitializer(floats(prefix + "scale", new float[] {norm.scale()}));
        g.addInitializer(floats(prefix + "shift", new float[] {norm.shift()}));
        x = add(g, node("Mul", List.of(x, prefix + "scale"), prefix + "scaled", prefix + "scale_pixels"));
        x = add(g, node("Sub", List.of(x, prefix + "shift"), prefix + "normalized", prefix + "normalize"));

        List<Architecture.Layer> layers = arch.layers();
        for (int i = 0; i < layers.size(); i++) {
            Architecture.Layer layer = layers.get(i);
            String name = prefix + "l" + (i + 1) + "_" + layer.type().toLowerCase(Locale.ROOT);
            Map<String, String> params = parameters(g, name, layer);
            x = switch (layer.type()) {
                case "Conv2d" -> {
                    Convolution c = (Convolution) layer.block();
                    long k = c.getKernelShape().get(0);
                    long s = c.getStride().get(0);
                    long p = c.getPadding().get(0);
                    yield add(g, node("Conv", List.of(x, params.get("weight"), params.get("bias")), name, name)
                            .addAttribute(ints("kernel_shape", k, k)).addAttribute(ints("strides", s, s))
                            .addAttribute(ints("pads", p, p, p, p)).addAttribute(ints("dilations", 1, 1))
                            .addAttribute(attr("group", 1)));
                }
                case "Tanh" -> add(g, node("Tanh", List.of(x), name, name));
                case "ReLU" -> add(g, node("Relu", List.of(x), name, name));
                case "AvgPool2d", "MaxPool2d" -> add(g, node(layer.type().startsWith("Avg") ? "AveragePool" : "MaxPool",
                        List.of(x), name, name).addAttribute(ints("kernel_shape", 2, 2)).addAttribute(ints("strides", 2, 2)));
                case "BatchNorm2d", "BatchNorm1d" -> add(g, node("BatchNormalization", List.of(x, params.get("gamma"),
                        params.get("beta"), params.get("runningMean"), params.get("runningVar")), name, name)
                        .addAttribute(attr("epsilon", Models.BN_EPSILON)));
                case "Dropout" -> x; // inference: the identity
                case "Flatten" -> add(g, node("Flatten", List.of(x), name, name).addAttribute(attr("axis", 1)));
                case "Linear" -> add(g, node("Gemm", List.of(x, params.get("weight"), params.get("bias")), name, name)
                        .addAttribute(attr("transB", 1)));
                default -> throw new IllegalStateException("no ONNX form for layer type " + layer.type());
            };
        }
        return x;
    }

    /** The layer's parameters as initializers, by DJL's parameter name. */
    private static Map<String, String> parameters(GraphProto.Builder g, String layer, Architecture.Layer l) {
        Map<String, String> names = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : l.block().getParameters()) {
            NDArray a = p.getValue().getArray();
            String name = layer + "." + p.getValue().getName();
            TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE);
            for (long d : a.getShape().getShape()) {
                t.addDims(d);
            }
            for (float v : a.toFloatArray()) {
                t.addFloatData(v);
            }
            g.addInitializer(t);
            names.put(p.getValue().getName(), name);
        }
        return names;
    }

    private static String add(GraphProto.Builder g, NodeProto.Builder n) {
        g.addNode(n);
        return n.getOutput(0);
    }

    private static NodeProto.Builder node(String op, List<String> inputs, String output, String name) {
        return NodeProto.newBuilder().setOpType(op).addAllInput(inputs).addOutput(output).setName(name);
    }

    private static AttributeProto attr(String name, long v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
    }

    private static AttributeProto attr(String name, float v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(v).build();
    }

    private static AttributeProto attr(String name, String v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING)
                .setS(com.google.protobuf.ByteString.copyFromUtf8(v)).build();
    }

    private static AttributeProto ints(String name, long... v) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long x : v) {
            a.addInts(x);
        }
        return a.build();
    }

    private static TensorProto floats(String name, float[] v) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE);
        if (v.length > 1) {
            t.addDims(v.length);
        }
        for (float x : v) {
            t.addFloatData(x);
        }
        return t.build();
    }

    private static TensorProto longs(String name, long[] v, long dim) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64_VALUE).addDims(dim);
        for (long x : v) {
            t.addInt64Data(x);
        }
        return t.build();
    }

    /** A float32 tensor value whose first dimension is named (dynamic) and the rest fixed. */
    private static ValueInfoProto.Builder value(String name, String batch, long... rest) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dimension.newBuilder().setDimParam(batch));
        for (long d : rest) {
            shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(shape)));
    }
}
