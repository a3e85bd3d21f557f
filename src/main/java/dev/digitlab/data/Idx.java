package dev.digitlab.data;

import dev.digitlab.DigitlabException;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/**
 * Strict reader for the IDX files MNIST ships in (raw or gzip-compressed).
 * Every size the header claims is checked against what the file holds before anything is allocated,
 * so a corrupt or hostile header fails with a one-line error instead of an OutOfMemoryError.
 */
public final class Idx {
    public static final int IMAGES_MAGIC = 2051; // 0x00000803: unsigned bytes, 3 dimensions
    public static final int LABELS_MAGIC = 2049; // 0x00000801: unsigned bytes, 1 dimension

    /** Deflate cannot expand data by more than about 1032:1; a larger claim is a lie. */
    private static final long MAX_DEFLATE_RATIO = 1032;

    /** {@code count} images of {@code rows x cols} unsigned bytes, row-major, one after another. */
    public record Images(int count, int rows, int cols, byte[] pixels) {}

    private Idx() {}

    public static Images readImages(Path file) {
        Body body = read(file, IMAGES_MAGIC, 3, "images");
        return new Images(body.dims[0], body.dims[1], body.dims[2], body.bytes);
    }

    public static byte[] readLabels(Path file) {
        byte[] labels = read(file, LABELS_MAGIC, 1, "labels").bytes;
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= Digits.CLASSES) {
                throw new DigitlabException(file + ": label " + (labels[i] & 0xff) + " of item " + i
                        + " is outside 0-9");
            }
        }
        return labels;
    }

    private record Body(int[] dims, byte[] bytes) {}

    private static Body read(Path file, int magic, int rank, String what) {
        long fileSize;
        boolean gzip;
        long available; // bytes of IDX data (header included) that the file holds
        try {
            fileSize = Files.size(file);
            gzip = isGzip(file);
            available = gzip ? gzipTrailerSize(file, fileSize) : fileSize;
        } catch (NoSuchFileException e) {
            throw new DigitlabException(file + ": no such file");
        } catch (IOException e) {
            throw new DigitlabException(file + ": cannot read: " + e.getMessage());
        }
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
             DataInputStream in = new DataInputStream(gzip ? new GZIPInputStream(raw, 1 << 16) : raw)) {
            int header = 4 + 4 * rank;
            int found;
            try {
                found = in.readInt();
            } catch (EOFException e) {
                throw new DigitlabException(file + ": truncated: shorter than the 4-byte IDX magic number");
            }
            if (found != magic) {
                throw new DigitlabException(String.format(
                        "%s: wrong magic number %d (0x%08x); IDX %s files start with %d", file, found, found, what, magic));
            }
            int[] dims = new int[rank];
            long size = 1;
            for (int d = 0; d < rank; d++) {
                try {
                    dims[d] = in.readInt();
                } catch (EOFException e) {
                    throw new DigitlabException(file + ": truncated inside the header (dimension " + d + ")");
                }
                if (dims[d] < 0 || (d > 0 && dims[d] == 0)) {
                    throw new DigitlabException(file + ": header dimension " + d + " is " + dims[d]);
                }
                try {
                    size = Math.multiplyExact(size, dims[d]);
                } catch (ArithmeticException overflow) {
                    throw new DigitlabException(file + ": header dimensions " + Arrays.toString(
                            Arrays.copyOf(dims, d + 1)) + " describe more bytes than any file holds");
                }
            }
            long holds = available - header;
            if (size > holds || (gzip && size > fileSize * MAX_DEFLATE_RATIO)) {
                throw new DigitlabException(String.format(
                        "%s: header claims %d %s (%d bytes) but the file holds only %d bytes after the header",
                        file, dims[0], what, size, Math.max(0, holds)));
            }
            if (!gzip && size < holds) {
                throw new DigitlabException(String.format(
                        "%s: %d unexpected bytes after the %d %s the header claims", file, holds - size, dims[0], what));
            }
            byte[] bytes = new byte[(int) size]; // size <= file size, so it fits in an int for any real file
            int got = in.readNBytes(bytes, 0, bytes.length);
            if (got != bytes.length) {
                throw new DigitlabException(String.format(
                        "%s: truncated: %d of the %d bytes of %s the header claims", file, Math.max(got, 0), size, what));
            }
            if (gzip && in.read() != -1) {
                throw new DigitlabException(file + ": unexpected data after the " + dims[0] + " " + what + " the header claims");
            }
            return new Body(dims, bytes);
        } catch (DigitlabException e) {
            throw e;
        } catch (EOFException e) {
            throw new DigitlabException(file + ": truncated gzip data");
        } catch (IOException e) {
            throw new DigitlabException(file + ": corrupt gzip data (" + e.getMessage() + ")");
        }
    }

    static boolean isGzip(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return in.read() == 0x1f && in.read() == 0x8b;
        }
    }

    /** The uncompressed size a gzip file records in its last four bytes (modulo 2^32). */
    private static long gzipTrailerSize(Path file, long fileSize) throws IOException {
        if (fileSize < 18) {
            throw new DigitlabException(file + ": truncated gzip file (" + fileSize + " bytes)");
        }
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            f.seek(fileSize - 4);
            long b0 = f.read(), b1 = f.read(), b2 = f.read(), b3 = f.read();
            return b0 | (b1 << 8) | (b2 << 16) | (b3 << 24);
        }
    }
}
