package dev.digitlab.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.digitlab.DigitlabException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ModelsTest {
    static long conv(int in, int out, int k) {
        return (long) out * in * k * k + out;
    }

    static long linear(int in, int out) {
        return (long) in * out + out;
    }

    static long batchNorm(int c) {
        return 2L * c; // gamma and beta; the running statistics are not trained
    }

    static Stream<Arguments> expectedCounts() {
        return Stream.of(
                Arguments.of("lenet5", conv(1, 6, 5) + conv(6, 16, 5) + conv(16, 120, 5) + linear(120, 84) + linear(84, 10), 0L),
                Arguments.of("lenet5-28", conv(1, 6, 5) + conv(6, 16, 5) + conv(16, 120, 4) + linear(120, 84) + linear(84, 10), 0L),
                Arguments.of("bn-cnn", conv(1, 16, 3) + batchNorm(16) + conv(16, 32, 3) + batchNorm(32)
                        + linear(32 * 7 * 7, 256) + batchNorm(256) + linear(256, 10), 2L * (16 + 32 + 256)),
                Arguments.of("dropout-cnn", conv(1, 32, 3) + batchNorm(32) + conv(32, 64, 3) + batchNorm(64)
                        + linear(64 * 7 * 7, 128) + linear(128, 10), 2L * (32 + 64)),
                Arguments.of("deep-cnn", conv(1, 32, 3) + conv(32, 64, 3) + conv(64, 64, 3) + linear(1024, 100)
                        + linear(100, 10), 0L),
                Arguments.of("mlp", linear(784, 256) + linear(256, 128) + linear(128, 10), 0L),
                Arguments.of("fast-cnn", conv(1, 16, 5) + batchNorm(16) + conv(16, 32, 5) + batchNorm(32)
                        + linear(32 * 4 * 4, 10), 2L * (16 + 32)),
                Arguments.of("quick-cnn", conv(1, 20, 5) + conv(20, 32, 3) + linear(32 * 5 * 5, 128) + linear(128, 10), 0L),
                Arguments.of("best", conv(1, 32, 3) + conv(32, 32, 3) + conv(32, 32, 5) + conv(32, 64, 3) + conv(64, 64, 3)
                        + conv(64, 64, 5) + conv(64, 128, 4) + batchNorm(32) * 3 + batchNorm(64) * 3 + batchNorm(128)
                        + linear(128, 10), 2L * (32 * 3 + 64 * 3 + 128)));
    }

    @ParameterizedTest
    @MethodSource("expectedCounts")
    void parameterCountsMatchTheLayerFormulas(String name, long trainable, long nonTrainable) {
        Summary s = Summary.of(Models.create(name));
        assertThat(s.trainable()).isEqualTo(trainable);
        assertThat(s.nonTrainable()).isEqualTo(nonTrainable);
        assertThat(s.rows().get(s.rows().size() - 1).output()).isEqualTo(new Shape(1, 10));
    }

    @Test
    void lenet5HasTheFamousCount() {
        assertThat(Summary.of(Models.create("lenet5")).total()).isEqualTo(61_706);
    }

    @Test
    void summaryReadsLikeTorchsummary() {
        String text = Summary.of(Models.create("lenet5")).toString();
        assertThat(text).contains("Conv2d-1").contains("[-1, 6, 28, 28]").contains("AvgPool2d-3")
                .contains("[-1, 16, 5, 5]").contains("Linear-12").contains("Total params: 61,706")
                .contains("Trainable params: 61,706").contains("Non-trainable params: 0")
                .contains("Params size (MB): 0.24");
        assertThat(Summary.of(Models.create("deep-cnn")).toString()).contains("Flatten-9").contains("[-1, 1024]");
    }

    @Test
    void everyModelMapsABatchToTenScores() {
        try (NDManager m = NDManager.newBaseManager()) {
            for (String name : Models.names()) {
                Architecture a = Models.create(name);
                try (Net net = Net.create(a, m, 1)) {
                    NDArray out = net.forward(m.zeros(a.inputShape(3)), false);
                    assertThat(out.getShape()).as(name).isEqualTo(new Shape(3, 10));
                }
            }
        }
    }

    @Test
    void sameSeedSameWeights() throws Exception {
        try (NDManager m = NDManager.newBaseManager();
             Net a = Net.create(Models.create("lenet5"), m, 7);
             Net b = Net.create(Models.create("lenet5"), m, 7);
             Net c = Net.create(Models.create("lenet5"), m, 8)) {
            assertThat(a.parameterBytes()).isEqualTo(b.parameterBytes());
            assertThat(a.parameterBytes()).isNotEqualTo(c.parameterBytes());
        }
    }

    @Test
    void unknownModelIsOneLine() {
        assertThatThrownBy(() -> Models.create("resnet")).isInstanceOf(DigitlabException.class)
                .hasMessage("unknown model 'resnet' (expected one of best, bn-cnn, deep-cnn, dropout-cnn, fast-cnn, lenet5, lenet5-28, mlp, quick-cnn)");
    }
}
