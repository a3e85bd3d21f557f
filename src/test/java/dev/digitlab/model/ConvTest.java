package dev.digitlab.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Conv's own paths leave nothing behind; GradientTest holds what they compute to a float64 reference. */
class ConvTest {

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
                    net.trainingPass(xs, NDArray::sum);
                    net.forward(xs, false);
                    net.gradientAt(xs.get("0:1"), 0, NDArray::sum);
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
