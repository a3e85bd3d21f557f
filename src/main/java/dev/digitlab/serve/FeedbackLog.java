package dev.digitlab.serve;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Appends labelled drawings to a Kaggle-format CSV ({@code label,pixel0..pixel783}) that {@code train --data}
 * reads. Each row goes out in one write under an exclusive lock, so concurrent requests, or two servers, never
 * interleave or tear a row, and the header is written exactly once.
 */
final class FeedbackLog {
    private final Path file;

    FeedbackLog(Path file) {
        this.file = file;
    }

    Path file() {
        return file;
    }

    synchronized void append(int label, byte[] pixels) throws IOException {
        StringBuilder row = new StringBuilder(4 * 785).append(label);
        for (byte p : pixels) {
            row.append(',').append(p & 0xff);
        }
        row.append('\n');
        Files.createDirectories(file.toAbsolutePath().getParent());
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
             FileLock lock = ch.lock()) {
            String text = ch.size() == 0 ? header() + row : row.toString();
            ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII));
            while (bytes.hasRemaining()) {
                ch.write(bytes);
            }
            ch.force(false);
        }
    }

    static String header() {
        StringBuilder h = new StringBuilder("label");
        for (int i = 0; i < 784; i++) {
            h.append(",pixel").append(i);
        }
        return h.append('\n').toString();
    }
}
