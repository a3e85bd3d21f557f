package dev.digitlab.serve;

import dev.digitlab.AtomicFiles;
import dev.digitlab.data.Digits;
import io.javalin.http.HttpResponseException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Appends labelled drawings to a Kaggle-format CSV ({@code label,pixel0..pixel783}) that {@code train --data}
 * reads. Each row goes out in one write under an exclusive lock, so concurrent requests, or two servers, never
 * interleave or tear a row, and the header is written exactly once. The file holds at most {@code maxRows} rows
 * (at most 3,140 bytes each); a row beyond them is refused with 507, so a client cannot fill the disk.
 */
final class FeedbackLog {
    private final Path file;
    private final long maxRows;
    /** The rows as last counted, and the file's size then: another writer changes the size, and the rows are recounted. */
    private long rows = -1;
    private long countedSize = -1;

    FeedbackLog(Path file, long maxRows) {
        this.file = file;
        this.maxRows = maxRows;
    }

    Path file() {
        return file;
    }

    /** A cheap early refusal, before a request's body is parsed; {@link #append} decides under the lock. */
    synchronized void checkRoom() {
        if (rows >= maxRows) {
            throw full();
        }
    }

    /** Appends one row; returns the rows the file holds now. */
    synchronized long append(int label, byte[] pixels) throws IOException {
        StringBuilder row = new StringBuilder(4 * 785).append(label);
        for (byte p : pixels) {
            row.append(',').append(p & 0xff);
        }
        row.append('\n');
        Files.createDirectories(file.toAbsolutePath().getParent());
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
             FileLock lock = ch.lock()) {
            if (ch.size() != countedSize) {
                rows = countRows();
                countedSize = ch.size();
            }
            if (rows >= maxRows) {
                throw full();
            }
            String text = ch.size() == 0 ? header() + row : row.toString();
            ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII));
            while (bytes.hasRemaining()) {
                ch.write(bytes);
            }
            ch.force(false);
            rows++;
            countedSize = ch.size();
            return rows;
        }
    }

    /** The rows the file holds now (0 when there is no file). */
    synchronized long rows() {
        try {
            return Files.exists(file) ? countRows(file) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    /**
     * Copies the file as it is now to {@code to}, under the lock appends take, so the copy ends with a whole row;
     * returns the rows it holds. A learn reads the copy while new rows keep coming.
     */
    synchronized long snapshot(Path to) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
             FileLock lock = ch.lock()) {
            AtomicFiles.write(to, out -> Files.copy(file, out));
        }
        return countRows(to);
    }

    private long countRows() throws IOException {
        return countRows(file);
    }

    private static long countRows(Path file) throws IOException {
        long lines = 0;
        try (InputStream in = Channels.newInputStream(FileChannel.open(file, StandardOpenOption.READ))) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                for (int i = 0; i < n; i++) {
                    lines += buf[i] == '\n' ? 1 : 0;
                }
            }
        }
        return Math.max(0, lines - 1); // the header
    }

    private HttpResponseException full() {
        return new HttpResponseException(507, "the feedback file " + file.getFileName() + " holds " + rows
                + " rows, the most this server keeps; move it away to collect more");
    }

    static String header() {
        StringBuilder h = new StringBuilder("label");
        for (int i = 0; i < Digits.PIXELS; i++) {
            h.append(",pixel").append(i);
        }
        return h.append('\n').toString();
    }
}
