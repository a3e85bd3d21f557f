package dev.digitlab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.digitlab.data.Dataset;
import dev.digitlab.data.Idx;
import dev.digitlab.data.ImagePrep;
import dev.digitlab.data.KaggleCsv;
import dev.digitlab.model.ModelFolder;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import java.util.zip.GZIPOutputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random mutations of real IDX, CSV, PNG/JPEG and sidecar files, with a fixed seed: every case must end in a
 * valid result or a one-line DigitlabException; never another exception, an OutOfMemoryError or a hang.
 */
@Slow // a fuzzer: ten thousand mutated files
public class FuzzTest {
    static final long SEED = 20261121;

    @TempDir
    Path dir;

    /** Runs {@code cases} mutated inputs through {@code reader}; returns how many were rejected cleanly. */
    static int fuzz(String what, byte[] original, int cases, Random random, Consumer<byte[]> reader) {
        List<String> failures = new ArrayList<>();
        int rejected = 0;
        for (int c = 0; c < cases; c++) {
            byte[] input = mutate(original, random);
            try {
                reader.accept(input);
            } catch (DigitlabException e) {
                rejected++;
                if (e.getMessage() == null || e.getMessage().contains("\n")) {
                    failures.add("case " + c + ": multi-line message " + e.getMessage());
                }
            } catch (Throwable t) {
                failures.add("case " + c + ": " + t);
            }
        }
        assertThat(failures).as(what).isEmpty();
        return rejected;
    }

    public static byte[] mutate(byte[] in, Random r) {
        byte[] b = in.clone();
        switch (r.nextInt(6)) {
            case 0 -> { // flip a few bytes
                for (int i = 0, n = 1 + r.nextInt(8); i < n; i++) {
                    b[r.nextInt(b.length)] = (byte) r.nextInt(256);
                }
            }
            case 1 -> b = Arrays.copyOf(b, r.nextInt(b.length)); // truncate
            case 2 -> { // append garbage
                byte[] tail = new byte[1 + r.nextInt(64)];
                r.nextBytes(tail);
                b = concat(b, tail);
            }
            case 3 -> { // overwrite a 4-byte word near the start (headers, sizes)
                int at = r.nextInt(Math.min(b.length, 64));
                int v = r.nextBoolean() ? Integer.MAX_VALUE - r.nextInt(3) : r.nextInt();
                for (int i = 0; i < 4 && at + i < b.length; i++) {
                    b[at + i] = (byte) (v >>> (24 - 8 * i));
                }
            }
            case 4 -> { // delete a slice
                int from = r.nextInt(b.length);
                int to = Math.min(b.length, from + 1 + r.nextInt(32));
                b = concat(Arrays.copyOfRange(b, 0, from), Arrays.copyOfRange(b, to, b.length));
            }
            default -> { // printable noise: what a text file gets wrong
                String noise = "0123456789,-.\n\r\" {}[]:eE+abc";
                for (int i = 0, n = 1 + r.nextInt(6); i < n; i++) {
                    b[r.nextInt(b.length)] = (byte) noise.charAt(r.nextInt(noise.length()));
                }
            }
        }
        return b;
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    static byte[] idx(int magic, int[] dims, int items) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(magic);
        for (int d : dims) {
            out.writeInt(d);
        }
        for (int i = 0; i < items; i++) {
            out.write(i % 10);
        }
        return bytes.toByteArray();
    }

    static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(bytes)) {
            out.write(raw);
        }
        return bytes.toByteArray();
    }

    Consumer<byte[]> viaFile(String name, Consumer<Path> reader) {
        return bytes -> {
            try {
                reader.accept(Files.write(dir.resolve(name), bytes));
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        };
    }

    @Test
    void tenThousandMutatedFilesEndInAResultOrAOneLineError() throws IOException {
        Random random = new Random(SEED);
        byte[] images = idx(Idx.IMAGES_MAGIC, new int[] {12, 28, 28}, 12 * 784);
        byte[] labels = idx(Idx.LABELS_MAGIC, new int[] {500}, 500);
        int[] counts = new int[6];
        assertTimeoutPreemptively(Duration.ofMinutes(4), () -> {
            counts[0] = fuzz("IDX images", images, 2000, random, viaFile("images", Idx::readImages));
            counts[1] = fuzz("IDX images, gzip", gzip(images), 1500, random, viaFile("images.gz", Idx::readImages));
            counts[2] = fuzz("IDX labels", labels, 1000, random, viaFile("labels", Idx::readLabels));

            StringBuilder csv = new StringBuilder("label");
            for (int i = 0; i < 784; i++) {
                csv.append(",pixel").append(i);
            }
            for (int row = 0; row < 3; row++) {
                csv.append('\n').append(row);
                for (int i = 0; i < 784; i++) {
                    csv.append(',').append((i * 7 + row) % 256);
                }
            }
            counts[3] = fuzz("Kaggle CSV", csv.append('\n').toString().getBytes(StandardCharsets.US_ASCII), 2500, random,
                    viaFile("train.csv", p -> KaggleCsv.read(p, Dataset.MNIST.classNames())));

            BufferedImage img = new BufferedImage(60, 60, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < 60; y++) {
                for (int x = 0; x < 60; x++) {
                    img.setRGB(x, y, Math.abs(x - y) < 6 ? 0 : 0xffffff);
                }
            }
            List<byte[]> pictures = new ArrayList<>();
            for (String format : List.of("png", "jpg")) {
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                ImageIO.write(img, format, b);
                pictures.add(b.toByteArray());
            }
            counts[4] = fuzz("PNG", pictures.get(0), 1000, random, b -> ImagePrep.toMnist(ImagePrep.decode(b, "upload")))
                    + fuzz("JPEG", pictures.get(1), 1000, random, b -> ImagePrep.toMnist(ImagePrep.decode(b, "upload")));

            Path model = Files.createDirectories(dir.resolve("model"));
            byte[] sidecar = Files.readAllBytes(Path.of("models", "lenet5", ModelFolder.SIDECAR));
            counts[5] = fuzz("model sidecar", sidecar, 1000, random, b -> {
                try {
                    Files.write(model.resolve(ModelFolder.SIDECAR), b);
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
                ModelFolder.readSidecar(model);
            });
        });
        // the mutations must actually bite: most cases are rejected, with a clean message
        assertThat(counts[0]).isGreaterThan(1000);
        assertThat(counts[1]).isGreaterThan(700);
        assertThat(counts[3]).isGreaterThan(1500);
        assertThat(counts[4]).isGreaterThan(300);
        assertThat(counts[5]).isGreaterThan(300);
    }
}
