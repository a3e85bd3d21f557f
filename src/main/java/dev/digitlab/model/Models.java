package dev.digitlab.model;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.pooling.Pool;
import dev.digitlab.DigitlabException;
import dev.digitlab.data.Digits;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/** The model zoo. Each definition is a fresh instance: blocks own their parameters. */
public final class Models {
    private static final Map<String, Supplier<Architecture>> ZOO = new TreeMap<>(Map.of(
            "lenet5", Models::lenet5,
            "lenet5-28", Models::lenet5on28,
            "bn-cnn", Models::bnCnn,
            "dropout-cnn", Models::dropoutCnn,
            "deep-cnn", Models::deepCnn,
            "mlp", Models::mlp,
            "fast-cnn", Models::fastCnn,
            "quick-cnn", Models::quickCnn,
            "best", Models::best));

    private Models() {}

    public static List<String> names() {
        return List.copyOf(ZOO.keySet());
    }

    public static Architecture create(String name) {
        Supplier<Architecture> s = ZOO.get(name);
        if (s == null) {
            throw new DigitlabException("unknown model '" + name + "' (expected one of " + String.join(", ", names()) + ")");
        }
        return s.get();
    }

    /** LeCun et al. 1998, as the write-ups build it: tanh and average pooling on a 32x32 input; 61,706 parameters. */
    static Architecture lenet5() {
        return new Architecture("lenet5", 32)
                .add("Conv2d", conv(6, 5, 0))         // C1: 6@28x28
                .add("Tanh", Activation.tanhBlock())
                .add("AvgPool2d", avgPool())          // S2: 6@14x14
                .add("Conv2d", conv(16, 5, 0))        // C3: 16@10x10
                .add("Tanh", Activation.tanhBlock())
                .add("AvgPool2d", avgPool())          // S4: 16@5x5
                .add("Conv2d", conv(120, 5, 0))       // C5: 120@1x1
                .add("Tanh", Activation.tanhBlock())
                .add("Flatten", Blocks.batchFlattenBlock())
                .add("Linear", linear(84))            // F6
                .add("Tanh", Activation.tanhBlock())
                .add("Linear", linear(Digits.CLASSES));           // output
    }

    /**
     * The fifth write-up's "vanilla" LeNet-5 (its ladder's first row, 97.25 %): the same stages on MNIST's own 28x28,
     * so C5 is 4x4 and its output goes to F6 without a tanh, as train.py wrote it; 44,426 parameters.
     */
    static Architecture lenet5on28() {
        return new Architecture("lenet5-28", Digits.SIDE)
                .add("Conv2d", conv(6, 5, 0))         // C1: 6@24x24
                .add("Tanh", Activation.tanhBlock())
                .add("AvgPool2d", avgPool())          // S2: 6@12x12
                .add("Conv2d", conv(16, 5, 0))        // C3: 16@8x8
                .add("Tanh", Activation.tanhBlock())
                .add("AvgPool2d", avgPool())          // S4: 16@4x4
                .add("Conv2d", conv(120, 4, 0))       // C5: 120@1x1
                .add("Flatten", Blocks.batchFlattenBlock())
                .add("Linear", linear(84))            // F6
                .add("Tanh", Activation.tanhBlock())
                .add("Linear", linear(Digits.CLASSES));           // output
    }

    static Architecture bnCnn() {
        return new Architecture("bn-cnn", Digits.SIDE)
                .add("Conv2d", conv(16, 3, 1))
                .add("ReLU", Activation.reluBlock())
                .add("BatchNorm2d", bn())
                .add("MaxPool2d", maxPool())          // 16@14x14
                .add("Conv2d", conv(32, 3, 1))
                .add("ReLU", Activation.reluBlock())
                .add("BatchNorm2d", bn())
                .add("MaxPool2d", maxPool())          // 32@7x7
                .add("Flatten", Blocks.batchFlattenBlock())
                .add("Linear", linear(256))
                .add("ReLU", Activation.reluBlock())
                .add("BatchNorm1d", bn())
                .add("Linear", linear(Digits.CLASSES));
    }

    static Architecture dropoutCnn() {
        return new Architecture("dropout-cnn", Digits.SIDE)
                .add("Conv2d", conv(32, 3, 1))
                .add("BatchNorm2d", bn())
                .add("ReLU", Activation.reluBlock())
                .add("MaxPool2d", maxPool())          // 32@14x14
                .add("Conv2d", conv(64, 3, 1))
                .add("BatchNorm2d", bn())
                .add("ReLU", Activation.reluBlock())
                .add("MaxPool2d", maxPool())          // 64@7x7
                .add("Flatten", Blocks.batchFlattenBlock())
                .add("Linear", linear(128))
                .add("ReLU", Activation.reluBlock())
                .add("Dropout", Dropout.builder().optRate(0.5f).build())
                .add("Linear", linear(Digits.CLASSES));
    }

    static Architecture deepCnn() {
        return new Architecture("deep-cnn", Digits.SIDE)
                .add("Conv2d", conv(32, 3, 0))        // 32@26x26
                .add("ReLU", Activation.reluBlock())
                .add("MaxPool2d", maxPool())          // 32@13x13
                .add("Conv2d", conv(64, 3, 0))        // 64@11x11
                .add("ReLU", Activation.reluBlock())
                .add("Conv2d", conv(64, 3, 0))        // 64@9x9
                .add("ReLU", Activation.reluBlock())
                .add("MaxPool2d", maxPool())          // 64@4x4: flatten 1024
                .add("Flatten", Blocks.batchFlattenBlock())
                .add("Linear", linear(100))
                .add("ReLU", Activation.reluBlock())
                .add("Linear", linear(Digits.CLASSES));
    }

    /**
     * digitlab's quickest road to 99 % (bench/time-to-accuracy): two 5x5 convolutions, each pooled before its ReLU and
     * BatchNorm (max-pooling commutes with ReLU, and a quarter of the values is a quarter of the work), one linear layer.
     */
    static Architecture fastCnn() {
        return new Architecture("fast-cnn", Digits.SIDE)
                .add("Conv2d", conv(16, 5, 0))        // 16@24x24
                .add("MaxPool2d", maxPool())          // 16@12x12
                .add("ReLU", Activation.reluBlock())
                .add("BatchNorm2d", bn())
                .add("Conv2d", conv(32, 5, 0))        // 32@8x8
                .add("MaxPool2d", maxPool())          // 32@4x4: flatten 512
                .add("ReLU", Activation.reluBlock())
                .add("BatchNorm2d", bn())
                .add("Flatten", Blocks.batchFlattenBlock())
                .add("Linear", linear(Digits.CLASSES));
    }

    /**
     * The fastest road to 99 % (one epoch; docs/PERFORMANCE.md): the network of the "MNIST to 99 % in under a second"
     * study, narrowed from 24 filters and 256 units, which trains a third faster here and is as accurate in one epoch.
     */
    static Architecture quickCnn() {
        return new Architecture("quick-cnn", Digits.SIDE)
                .add("Conv2d", conv(20, 5, 0))        // 20@24x24
                .add("MaxPool2d", maxPool())          // 20@12x12
                .add("ReLU", Activation.reluBlock())
                .add("Conv2d", conv(32, 3, 0))        // 32@10x10
                .add("MaxPool2d", maxPool())          // 32@5x5: flatten 800
                .add("ReLU", Activation.reluBlock())
                .add("Flatten", Blocks.batchFlattenBlock())
                .add("Linear", linear(128))
                .add("ReLU", Activation.reluBlock())
                .add("Linear", linear(Digits.CLASSES));
    }

    /**
     * digitlab's most accurate single model, after the Kaggle ensembles' CNN (C. Deotte, 2018): stacked 3x3
     * convolutions, a strided 5x5 convolution in place of pooling, BatchNorm after every ReLU, dropout between stages;
     * meant to be trained with --augment and a one-cycle schedule.
     */
    static Architecture best() {
        return new Architecture("best", Digits.SIDE)
                .add("Conv2d", conv(32, 3, 0)).add("ReLU", Activation.reluBlock()).add("BatchNorm2d", bn())    // 32@26x26
                .add("Conv2d", conv(32, 3, 0)).add("ReLU", Activation.reluBlock()).add("BatchNorm2d", bn())    // 32@24x24
                .add("Conv2d", strided(32, 5)).add("ReLU", Activation.reluBlock()).add("BatchNorm2d", bn())    // 32@12x12
                .add("Dropout", dropout(0.4f))
                .add("Conv2d", conv(64, 3, 0)).add("ReLU", Activation.reluBlock()).add("BatchNorm2d", bn())    // 64@10x10
                .add("Conv2d", conv(64, 3, 0)).add("ReLU", Activation.reluBlock()).add("BatchNorm2d", bn())    // 64@8x8
                .add("Conv2d", strided(64, 5)).add("ReLU", Activation.reluBlock()).add("BatchNorm2d", bn())    // 64@4x4
                .add("Dropout", dropout(0.4f))
                .add("Conv2d", conv(128, 4, 0)).add("ReLU", Activation.reluBlock()).add("BatchNorm2d", bn())   // 128@1x1
                .add("Flatten", Blocks.batchFlattenBlock())
                .add("Dropout", dropout(0.4f))
                .add("Linear", linear(Digits.CLASSES));
    }

    static Architecture mlp() {
        return new Architecture("mlp", Digits.SIDE)
                .add("Flatten", Blocks.batchFlattenBlock())
                .add("Linear", linear(256))
                .add("ReLU", Activation.reluBlock())
                .add("Linear", linear(128))
                .add("ReLU", Activation.reluBlock())
                .add("Linear", linear(Digits.CLASSES));
    }

    private static Block conv(int filters, int kernel, int pad) {
        return Conv.of(filters, kernel, 1, pad);
    }

    /** A 5x5 convolution with stride 2 and padding 2: halves the side, as a learned pooling. */
    private static Block strided(int filters, int kernel) {
        return Conv.of(filters, kernel, 2, kernel / 2);
    }

    /** PyTorch's BatchNorm epsilon, named so that exports write the one the layers use. */
    public static final float BN_EPSILON = 1e-5f;

    private static Block bn() {
        return BatchNorm.builder().optEpsilon(BN_EPSILON).build();
    }

    private static Block dropout(float rate) {
        return Dropout.builder().optRate(rate).build();
    }

    private static Block linear(int units) {
        return Linear.builder().setUnits(units).build();
    }

    private static Block avgPool() {
        return Pool.avgPool2dBlock(new Shape(2, 2), new Shape(2, 2));
    }

    private static Block maxPool() {
        return Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2));
    }
}
