package dev.digitlab.exchange;

import java.util.Arrays;

/**
 * A tensor read from or written to another framework's file: its dtype, shape and values. digitlab's weights are
 * float32 ({@code floats}); int64 appears only as BatchNorm's {@code num_batches_tracked} ({@code longs}).
 */
public record Tensor(String dtype, long[] shape, float[] floats, long[] longs) {
    public static final String F32 = "float32";
    public static final String I64 = "int64";

    public static Tensor of(float[] values, long... shape) {
        return new Tensor(F32, shape, values, null);
    }

    public long size() {
        return Arrays.stream(shape).reduce(1, Math::multiplyExact);
    }

    public String shapeText() {
        return Arrays.toString(shape);
    }
}
