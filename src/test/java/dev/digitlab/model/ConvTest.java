package dev.digitlab.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Conv must compute what DJL's Conv2d computes, whichever way it takes. */
class ConvTest {

    /** Output and the gradients of input and weight, for the sum of the outputs times fixed random weights. */
    private static NDList run(Conv2d conv, NDArray x, NDArray outWeights) {
        NDArray in = x.duplicate();
        in.setRequiresGradient(true);
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray out = conv.forward(new ParameterStore(x.getManager(), false), new NDList(in), true).singletonOrThrow();
            gc.backward(out.mul(outWeights).sum());
            return new NDList(out.duplicate(), in.getGradient().duplicate(),
                    conv.getParameters().get("weight").getArray().getGradient().duplicate());
        }
    }

    @ParameterizedTest(name = "input {0}x{0}, kernel {1}, channels-last {2}")
    @CsvSource({"5, 5, true", "5, 5, false", "4, 4, true", "9, 5, true", "9, 5, false"})
    void matchesDjlsConvolution(int side, int kernel, boolean channelsLast) {
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(11);
            Shape input = new Shape(8, 16, side, side);
            Conv2d plain = Conv2d.builder().setFilters(12).setKernelShape(new Shape(kernel, kernel)).build();
            Conv ours = Conv.of(12, kernel, 1, 0);
            plain.initialize(m, DataType.FLOAT32, input);
            ours.initialize(m, DataType.FLOAT32, input);
            ours.getParameters().get("weight").getArray().set(plain.getParameters().get("weight").getArray().toFloatArray());
            ours.getParameters().get("bias").getArray().set(plain.getParameters().get("bias").getArray().toFloatArray());

            NDArray x = m.randomNormal(input);
            if (channelsLast) { // the layout training uses: channels-last strides, as a view
                x = m.randomNormal(new Shape(8, side, side, 16)).transpose(0, 3, 1, 2);
            }
            int outSide = side - kernel + 1;
            NDArray outWeights = m.randomNormal(new Shape(8, 12, outSide, outSide));
            NDList expected = run(plain, x, outWeights);
            NDList got = run(ours, x, outWeights);
            for (int i = 0; i < expected.size(); i++) {
                assertThat(got.get(i).getShape()).isEqualTo(expected.get(i).getShape());
                assertThat(got.get(i).allClose(expected.get(i), 1e-4, 1e-5, false))
                        .as(new String[] {"output", "input gradient", "weight gradient"}[i]).isTrue();
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"lenet5", "best"})
    void passesLeaveNoArrayBehindOnTheNetwork(String model) {
        Architecture arch = Models.create(model);
        try (NDManager root = NDManager.newBaseManager(); Net net = Net.create(arch, root, 1)) {
            NDArray x = root.randomNormal(arch.inputShape(4));
            int before = -1;
            for (int i = 0; i < 4; i++) {
                try (NDManager step = net.manager().newSubManager()) {
                    NDArray xs = x.duplicate();
                    xs.attach(step);
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        gc.backward(net.forward(xs, true).sum());
                    }
                    net.forward(xs, false);
                }
                int now = net.manager().getManagedArrays().size();
                if (before >= 0) {
                    assertThat(now).as("arrays on the network after pass %d", i + 1).isEqualTo(before);
                }
                before = now;
            }
        }
    }
}
