package dev.digitlab.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.digitlab.DigitlabException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KaggleCsvTest {
    static final String PIXEL_HEADER = IntStream.range(0, 784).mapToObj(i -> "pixel" + i).collect(Collectors.joining(","));
    static final String TRAIN_HEADER = "label," + PIXEL_HEADER;

    @TempDir
    Path dir;

    static String row(int first, int fill, int count) {
        return IntStream.range(0, count).mapToObj(i -> String.valueOf(i == 0 ? first : (i + fill) % 256))
                .collect(Collectors.joining(","));
    }

    Path csv(String... lines) throws IOException {
        return Files.writeString(dir.resolve("digits.csv"), String.join("\n", lines) + "\n");
    }

    @Test
    void readsTrainingFormat() throws IOException {
        Path f = csv(TRAIN_HEADER, row(7, 0, 785), row(3, 5, 785));
        Digits d = KaggleCsv.read(f, Dataset.MNIST.classNames());
        assertThat(d.size()).isEqualTo(2);
        assertThat(d.hasLabels()).isTrue();
        assertThat(d.label(0)).isEqualTo(7);
        assertThat(d.label(1)).isEqualTo(3);
        assertThat(d.pixel(0, 0, 0)).isEqualTo(1); // field 1 = pixel0 = (1 + 0) % 256
        assertThat(d.pixel(1, 27, 27)).isEqualTo((784 + 5) % 256);
    }

    @Test
    void readsTestFormatWithoutLabels() throws IOException {
        Path f = csv(PIXEL_HEADER, row(0, 0, 784), row(255, 0, 784), row(9, 1, 784));
        Digits d = KaggleCsv.read(f, Dataset.MNIST.classNames());
        assertThat(d.size()).isEqualTo(3);
        assertThat(d.hasLabels()).isFalse();
        assertThat(d.pixel(1, 0, 0)).isEqualTo(255);
    }

    @Test
    void headerIsRequired() throws IOException {
        Path f = csv(row(7, 0, 785));
        assertThatThrownBy(() -> KaggleCsv.read(f, Dataset.MNIST.classNames())).isInstanceOf(DigitlabException.class)
                .hasMessageStartingWith(f + ": header");
        Path empty = Files.writeString(dir.resolve("empty.csv"), "");
        assertThatThrownBy(() -> KaggleCsv.read(empty, Dataset.MNIST.classNames()))
                .hasMessage(empty + ": empty file (expected a header line)");
    }

    @Test
    void misnamedHeaderColumnIsNamed() throws IOException {
        Path f = csv(TRAIN_HEADER.replace("pixel17,", "pixelX,"), row(1, 0, 785));
        assertThatThrownBy(() -> KaggleCsv.read(f, Dataset.MNIST.classNames()))
                .hasMessage(f + ": header column 19 is 'pixelX', expected 'pixel17'");
    }

    @Test
    void wrongFieldCountNamesTheLine() throws IOException {
        Path f = csv(TRAIN_HEADER, row(1, 0, 785), row(1, 0, 784));
        assertThatThrownBy(() -> KaggleCsv.read(f, Dataset.MNIST.classNames()))
                .hasMessage(f + ": line 3: 784 fields, expected 785");
        Path g = csv(TRAIN_HEADER, row(1, 0, 786));
        assertThatThrownBy(() -> KaggleCsv.read(g, Dataset.MNIST.classNames()))
                .hasMessage(g + ": line 2: more than 785 fields");
    }

    @Test
    void nonIntegerAndOutOfRangePixels() throws IOException {
        Path f = csv(TRAIN_HEADER, row(1, 0, 785).replaceFirst(",2,", ",2.5,"));
        assertThatThrownBy(() -> KaggleCsv.read(f, Dataset.MNIST.classNames()))
                .hasMessage(f + ": line 2: field 3 (pixel1) is not a whole number 0-255 ('2.5')");
        Path g = csv(TRAIN_HEADER, row(1, 0, 785).replaceFirst(",2,", ",256,"));
        assertThatThrownBy(() -> KaggleCsv.read(g, Dataset.MNIST.classNames()))
                .hasMessage(g + ": line 2: field 3 (pixel1) value 256 is outside 0-255");
        Path h = csv(TRAIN_HEADER, row(1, 0, 785).replaceFirst(",2,", ",-2,"));
        assertThatThrownBy(() -> KaggleCsv.read(h, Dataset.MNIST.classNames()))
                .hasMessageContaining("line 2: field 3 (pixel1) is not a whole number");
        Path e = csv(TRAIN_HEADER, row(1, 0, 785).replaceFirst(",2,", ",,"));
        assertThatThrownBy(() -> KaggleCsv.read(e, Dataset.MNIST.classNames()))
                .hasMessage(e + ": line 2: field 3 (pixel1) is empty");
    }

    @Test
    void labelOutsideZeroToNine() throws IOException {
        Path f = csv(TRAIN_HEADER, row(1, 0, 785), row(10, 0, 785));
        assertThatThrownBy(() -> KaggleCsv.read(f, Dataset.MNIST.classNames()))
                .hasMessage(f + ": line 3: label 10 is outside 0-9");
    }

    @Test
    void headerOnlyIsAnError() throws IOException {
        Path f = csv(TRAIN_HEADER);
        assertThatThrownBy(() -> KaggleCsv.read(f, Dataset.MNIST.classNames()))
                .hasMessage(f + ": no data rows after the header");
    }
}
