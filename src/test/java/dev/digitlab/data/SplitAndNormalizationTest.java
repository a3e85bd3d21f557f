package dev.digitlab.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.digitlab.DigitlabException;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SplitAndNormalizationTest {

    @Test
    void sameSeedGivesTheSameSplit() {
        Split a = Split.of(1000, 0.2, 42);
        Split b = Split.of(1000, 0.2, 42);
        assertThat(a.train()).isEqualTo(b.train());
        assertThat(a.validation()).isEqualTo(b.validation());
    }

    @Test
    void otherSeedGivesAnotherSplit() {
        assertThat(Split.of(1000, 0.2, 1).validation()).isNotEqualTo(Split.of(1000, 0.2, 2).validation());
    }

    @Test
    void splitIsAPartitionOfTheRequestedSize() {
        Split s = Split.of(60000, 0.2, 7);
        assertThat(s.validation()).hasSize(12000);
        assertThat(s.train()).hasSize(48000);
        int[] all = IntStream.concat(Arrays.stream(s.train()), Arrays.stream(s.validation())).sorted().toArray();
        assertThat(all).isEqualTo(IntStream.range(0, 60000).toArray());
        // a shuffle, not a cut: validation reaches across the whole range
        assertThat(s.validation()[0]).isLessThan(100);
        assertThat(s.validation()[s.validation().length - 1]).isGreaterThan(59900);
    }

    @Test
    void zeroSplitKeepsEverythingForTraining() {
        Split s = Split.of(10, 0.0, 1);
        assertThat(s.validation()).isEmpty();
        assertThat(s.train()).hasSize(10);
    }

    @Test
    void fractionOutsideRangeIsRejected() {
        assertThatThrownBy(() -> Split.of(10, 1.0, 1)).isInstanceOf(DigitlabException.class).hasMessageContaining("[0, 1)");
        assertThatThrownBy(() -> Split.of(10, -0.1, 1)).isInstanceOf(DigitlabException.class);
        assertThatThrownBy(() -> Split.of(10, Double.NaN, 1)).isInstanceOf(DigitlabException.class);
    }

    @Test
    void normalizations() {
        byte[] px = new byte[784 * 2];
        Arrays.fill(px, 0, 784, (byte) 255); // half white, half black: mean 0.5, std 0.5
        Digits d = new Digits(px, new byte[] {0, 1}, 2, 28, 28, List.of("a", "b"), "t");
        Normalization own = Normalization.of(Normalization.Method.MNIST, d);
        assertThat(own.mean()).isCloseTo(0.5, within(1e-9));
        assertThat(own.std()).isCloseTo(0.5, within(1e-9));
        assertThat(Normalization.of(Normalization.Method.HALF, d).apply(255)).isEqualTo(1f);
        assertThat(Normalization.of(Normalization.Method.HALF, d).apply(0)).isEqualTo(-1f);
        assertThat(Normalization.of(Normalization.Method.NONE, d).apply(51)).isCloseTo(0.2f, within(1e-6f));
        assertThatThrownBy(() -> Normalization.Method.parse("zscore")).isInstanceOf(DigitlabException.class)
                .hasMessageContaining("'zscore'");
    }
}
