package dev.digitlab.eval;

import dev.digitlab.AtomicFiles;
import dev.digitlab.model.Inference;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** A Kaggle "digit recognizer" submission: {@code ImageId,Label}, ImageId counting from 1, one row per test row. */
public final class Submission {
    private Submission() {}

    public static void write(Inference.Outputs outputs, Path file) throws IOException {
        StringBuilder csv = new StringBuilder(outputs.n() * 8).append("ImageId,Label\n");
        for (int i = 0; i < outputs.n(); i++) {
            csv.append(i + 1).append(',').append(outputs.predicted(i)).append('\n');
        }
        AtomicFiles.write(file, out -> out.write(csv.toString().getBytes(StandardCharsets.US_ASCII)));
    }
}
