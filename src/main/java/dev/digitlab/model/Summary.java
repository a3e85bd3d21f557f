package dev.digitlab.model;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import java.util.ArrayList;
import java.util.List;

/** A torchsummary-style table: each layer's output shape and parameters, then totals and sizes in MB. */
public record Summary(String model, Shape input, List<Row> rows) {

    public record Row(String layer, Shape output, long trainable, long nonTrainable) {
        long params() {
            return trainable + nonTrainable;
        }
    }

    public static Summary of(Architecture architecture) {
        try (NDManager manager = NDManager.newBaseManager()) {
            var block = architecture.block();
            Shape input = architecture.inputShape(1);
            block.initialize(manager, DataType.FLOAT32, input);
            List<Row> rows = new ArrayList<>();
            Shape shape = input;
            int index = 1;
            for (Architecture.Layer layer : architecture.layers()) {
                shape = layer.block().getOutputShapes(new Shape[] {shape})[0];
                long trainable = 0;
                long frozen = 0;
                for (Parameter p : layer.block().getParameters().values()) {
                    if (p.requiresGradient()) {
                        trainable += p.getArray().size();
                    } else {
                        frozen += p.getArray().size();
                    }
                }
                rows.add(new Row(layer.type() + "-" + index++, shape, trainable, frozen));
            }
            return new Summary(architecture.name(), input, rows);
        }
    }

    public long trainable() {
        return rows.stream().mapToLong(Row::trainable).sum();
    }

    public long nonTrainable() {
        return rows.stream().mapToLong(Row::nonTrainable).sum();
    }

    public long total() {
        return trainable() + nonTrainable();
    }

    @Override
    public String toString() {
        String rule = "-".repeat(64) + "\n";
        StringBuilder sb = new StringBuilder(rule);
        sb.append(String.format("%25s %25s %15s%n", "Layer (type)", "Output Shape", "Param #"));
        sb.append("=".repeat(64)).append('\n');
        double activations = 0;
        for (Row r : rows) {
            sb.append(String.format("%25s %25s %,15d%n", r.layer(), shapeText(r.output()), r.params()));
            activations += r.output().size();
        }
        double mb = 1024.0 * 1024.0;
        double inputMb = input.size() * 4 / mb;
        double passMb = 2 * activations * 4 / mb; // forward outputs and their gradients
        double paramsMb = total() * 4 / mb;
        sb.append("=".repeat(64)).append('\n');
        sb.append(String.format("Total params: %,d%n", total()));
        sb.append(String.format("Trainable params: %,d%n", trainable()));
        sb.append(String.format("Non-trainable params: %,d%s%n", nonTrainable(),
                nonTrainable() > 0 ? " (BatchNorm running mean/variance)" : ""));
        sb.append(rule);
        sb.append(String.format("Input size (MB): %.2f%n", inputMb));
        sb.append(String.format("Forward/backward pass size (MB): %.2f%n", passMb));
        sb.append(String.format("Params size (MB): %.2f%n", paramsMb));
        sb.append(String.format("Estimated Total Size (MB): %.2f%n", inputMb + passMb + paramsMb));
        sb.append(rule);
        return sb.toString();
    }

    /** torchsummary's notation: the batch dimension as -1. */
    static String shapeText(Shape s) {
        StringBuilder sb = new StringBuilder("[-1");
        for (int i = 1; i < s.dimension(); i++) {
            sb.append(", ").append(s.get(i));
        }
        return sb.append(']').toString();
    }
}
