package dev.digitlab.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.digitlab.Slow;
import dev.digitlab.TestData;
import dev.digitlab.api.Classifier;
import dev.digitlab.data.Digits;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The models that ship do on the MNIST test set exactly what their sidecars say. */
@Slow // the shipped models on all 10,000 test images
class ShippedModelsTest {
    @Test
    void shippedModelsScoreWhatTheirSidecarsClaim() {
        Digits test = TestData.mnist().test();
        for (String name : new String[] {"lenet5", "best"}) {
            try (Classifier c = Classifier.load(Path.of("models", name))) {
                double claimed = c.sidecar().metrics().testAccuracy();
                assertThat(c.outputs(test).accuracy(test.labels())).as(name).isCloseTo(claimed, within(1e-9));
                assertThat(c.sidecar().architecture()).isEqualTo(name);
            }
        }
    }

    @Test
    void theBestModelClearsItsBar() {
        try (Classifier c = Classifier.load(Path.of("models", "best"))) {
            assertThat(c.sidecar().metrics().testAccuracy()).isGreaterThanOrEqualTo(0.996);
        }
    }
}
