package dev.digitlab.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.digitlab.DigitlabException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxTest {
    @TempDir
    Path dir;

    @Test
    void readsRawAndGzippedImagesAlike() throws IOException {
        byte[] raw = IdxFiles.images(5, 28, 28);
        Idx.Images a = Idx.readImages(IdxFiles.write(dir, "a", raw));
        Idx.Images b = Idx.readImages(IdxFiles.write(dir, "b.gz", IdxFiles.gzip(raw)));
        assertThat(a.count()).isEqualTo(5);
        assertThat(a.rows()).isEqualTo(28);
        assertThat(a.cols()).isEqualTo(28);
        assertThat(a.pixels()).hasSize(5 * 784).isEqualTo(Arrays.copyOfRange(raw, 16, raw.length));
        assertThat(b.pixels()).isEqualTo(a.pixels());
    }

    @Test
    void readsLabels() throws IOException {
        byte[] labels = Idx.readLabels(IdxFiles.write(dir, "l", IdxFiles.labels(12)));
        assertThat(labels).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1);
    }

    @Test
    void wrongMagicNamesTheFileAndTheNumber() throws IOException {
        Path f = IdxFiles.write(dir, "labels-as-images", IdxFiles.labels(3));
        assertThatThrownBy(() -> Idx.readImages(f)).isInstanceOf(DigitlabException.class)
                .hasMessageContaining(f.toString()).hasMessageContaining("wrong magic number 2049")
                .hasMessageContaining("2051");
    }

    @Test
    void truncatedBodyIsCaught() throws IOException {
        byte[] raw = IdxFiles.images(4, 28, 28);
        Path f = IdxFiles.write(dir, "short", Arrays.copyOf(raw, raw.length - 100));
        assertThatThrownBy(() -> Idx.readImages(f)).isInstanceOf(DigitlabException.class)
                .hasMessageContaining(f.toString()).hasMessageContaining("header claims 4 images");
    }

    @Test
    void truncatedGzipIsCaught() throws IOException {
        byte[] gz = IdxFiles.gzip(IdxFiles.images(40, 28, 28));
        Path f = IdxFiles.write(dir, "short.gz", Arrays.copyOf(gz, gz.length / 2));
        assertThatThrownBy(() -> Idx.readImages(f)).isInstanceOf(DigitlabException.class)
                .hasMessageStartingWith(f.toString());
    }

    @Test
    void truncatedHeaderIsCaught() throws IOException {
        Path f = IdxFiles.write(dir, "header", Arrays.copyOf(IdxFiles.images(1, 28, 28), 9));
        assertThatThrownBy(() -> Idx.readImages(f)).isInstanceOf(DigitlabException.class)
                .hasMessageContaining("truncated inside the header");
        Path empty = IdxFiles.write(dir, "empty", new byte[0]);
        assertThatThrownBy(() -> Idx.readLabels(empty)).isInstanceOf(DigitlabException.class)
                .hasMessageContaining("truncated");
    }

    @Test
    void hugeClaimFailsBeforeAllocating() throws IOException {
        // 2^31 - 1 images of 28x28 would be 1.6 TB: the check against the file size must come first.
        byte[] raw = IdxFiles.idx(Idx.IMAGES_MAGIC, new int[] {Integer.MAX_VALUE, 28, 28}, new byte[784]);
        Path f = IdxFiles.write(dir, "huge", raw);
        assertThatThrownBy(() -> Idx.readImages(f)).isInstanceOf(DigitlabException.class)
                .hasMessageContaining("header claims 2147483647 images");
        Path gz = IdxFiles.write(dir, "huge.gz", IdxFiles.gzip(raw));
        assertThatThrownBy(() -> Idx.readImages(gz)).isInstanceOf(DigitlabException.class)
                .hasMessageContaining("header claims 2147483647 images");
        Path labels = IdxFiles.write(dir, "huge-labels", IdxFiles.idx(Idx.LABELS_MAGIC, new int[] {Integer.MIN_VALUE}, new byte[8]));
        assertThatThrownBy(() -> Idx.readLabels(labels)).isInstanceOf(DigitlabException.class)
                .hasMessageContaining("dimension 0 is -2147483648");
    }

    @Test
    void dimensionsWhoseProductOverflowsAreRejected() throws IOException {
        // found by FuzzTest: 3 x (2^31 - 1) overflows a long and once became a negative array size
        int m = Integer.MAX_VALUE;
        Path f = IdxFiles.write(dir, "overflow", IdxFiles.idx(Idx.IMAGES_MAGIC, new int[] {m, m, m}, new byte[16]));
        assertThatThrownBy(() -> Idx.readImages(f)).isInstanceOf(DigitlabException.class)
                .hasMessageContaining("describe more bytes than any file holds");
    }

    @Test
    void trailingBytesAreRejected() throws IOException {
        byte[] raw = IdxFiles.images(2, 28, 28);
        Path f = IdxFiles.write(dir, "long", Arrays.copyOf(raw, raw.length + 3));
        assertThatThrownBy(() -> Idx.readImages(f)).isInstanceOf(DigitlabException.class)
                .hasMessageContaining("3 unexpected bytes");
    }

    @Test
    void labelOutsideZeroToNineNamesTheItem() throws IOException {
        Path f = IdxFiles.write(dir, "bad-label", IdxFiles.idx(Idx.LABELS_MAGIC, new int[] {3}, new byte[] {1, 12, 3}));
        assertThatThrownBy(() -> Idx.readLabels(f)).isInstanceOf(DigitlabException.class)
                .hasMessage(f + ": label 12 of item 1 is outside 0-9");
    }

    @Test
    void imageAndLabelCountsMustAgree() throws IOException {
        Idx.Images images = Idx.readImages(IdxFiles.write(dir, "i", IdxFiles.images(5, 28, 28)));
        byte[] labels = Idx.readLabels(IdxFiles.write(dir, "l", IdxFiles.labels(4)));
        assertThatThrownBy(() -> Digits.fromIdx(images, labels, Dataset.MNIST.classNames(), "test", "i", "l"))
                .isInstanceOf(DigitlabException.class).hasMessage("i holds 5 images but l holds 4 labels");
    }

    @Test
    void missingFileIsOneLine() {
        Path f = dir.resolve("nope");
        assertThatThrownBy(() -> Idx.readImages(f)).isInstanceOf(DigitlabException.class).hasMessage(f + ": no such file");
    }

    @Test
    void digitsCountPadAndSubset() throws IOException {
        Idx.Images images = Idx.readImages(IdxFiles.write(dir, "i", IdxFiles.images(12, 28, 28)));
        byte[] labels = Idx.readLabels(IdxFiles.write(dir, "l", IdxFiles.labels(12)));
        Digits d = Digits.fromIdx(images, labels, List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"), "t", "i", "l");
        assertThat(d.classCounts()).containsExactly(2, 2, 1, 1, 1, 1, 1, 1, 1, 1);
        Digits p = d.padded(2);
        assertThat(p.rows()).isEqualTo(32);
        assertThat(p.pixel(3, 0, 0)).isZero();
        assertThat(p.pixel(3, 31, 31)).isZero();
        assertThat(p.pixel(3, 2, 2)).isEqualTo(d.pixel(3, 0, 0));
        assertThat(p.pixel(3, 29, 29)).isEqualTo(d.pixel(3, 27, 27));
        Digits s = d.subset(new int[] {11, 3});
        assertThat(s.size()).isEqualTo(2);
        assertThat(s.label(0)).isEqualTo(1);
        assertThat(s.pixel(1, 5, 6)).isEqualTo(d.pixel(3, 5, 6));
    }
}
