package dev.digitlab.model;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import dev.digitlab.data.Digits;
import java.util.ArrayList;
import java.util.List;

/**
 * A model as a list of named layers, so it can be written the way a paper's table reads and summarised
 * with the layer names a PyTorch user knows (DJL names activations and pools "LambdaBlock").
 */
public final class Architecture {

    /** One row of the table: a display name ("Conv2d") and the block. */
    public record Layer(String type, Block block) {}

    private final String name;
    private final int inputSize;
    private final List<Layer> layers = new ArrayList<>();

    public Architecture(String name, int inputSize) {
        this.name = name;
        this.inputSize = inputSize;
    }

    /** The name a TorchScript model goes by: libtorch runs it whole, digitlab sees no layers in it. */
    public static final String SCRIPT = "torchscript";

    /** The image sides a TorchScript module may take: MNIST's 28, or 32 as LeNet-5's padded input. */
    public static final List<Integer> SCRIPT_SIDES = List.of(Digits.SIDE, Digits.SIDE + 4);

    /** A TorchScript module taking {@code inputSize} x {@code inputSize} images. */
    public static Architecture script(int inputSize) {
        if (!SCRIPT_SIDES.contains(inputSize)) {
            throw new IllegalArgumentException("a TorchScript model takes " + SCRIPT_SIDES + " images, not " + inputSize);
        }
        return new Architecture(SCRIPT, inputSize);
    }

    /** True for a TorchScript module: no layers to show, no Grad-CAM, no training. */
    public boolean scripted() {
        return SCRIPT.equals(name);
    }

    public Architecture add(String type, Block block) {
        layers.add(new Layer(type, block));
        return this;
    }

    public String name() {
        return name;
    }

    /** Images are {@code inputSize x inputSize}: 32 for LeNet-5 (MNIST padded by 2), 28 otherwise. */
    public int inputSize() {
        return inputSize;
    }

    /** The padding that turns a 28x28 image into this model's input. */
    public int padding() {
        return (inputSize - Digits.SIDE) / 2;
    }

    public Shape inputShape(long batch) {
        return new Shape(batch, 1, inputSize, inputSize);
    }

    public List<Layer> layers() {
        return List.copyOf(layers);
    }

    /** The layers as one block; build it once per model instance (blocks hold their parameters). */
    public SequentialBlock block() {
        SequentialBlock block = new SequentialBlock();
        layers.forEach(l -> block.add(l.block()));
        return block;
    }
}
