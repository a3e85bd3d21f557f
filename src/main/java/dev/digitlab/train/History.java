package dev.digitlab.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.digitlab.AtomicFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** The per-epoch history, written beside the model as JSON and CSV. */
public final class History {
    public static final String JSON_FILE = "history.json";
    public static final String CSV_FILE = "history.csv";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private History() {}

    public static void write(Path dir, List<EpochStats> history) throws IOException {
        AtomicFiles.write(dir.resolve(JSON_FILE), out -> JSON.writeValue(out, history));
        StringBuilder csv = new StringBuilder(EpochStats.CSV_HEADER).append('\n');
        history.forEach(e -> csv.append(e.csv()).append('\n'));
        AtomicFiles.writeString(dir.resolve(CSV_FILE), csv.toString());
    }

    public static List<EpochStats> read(Path dir) throws IOException {
        return List.of(JSON.readValue(dir.resolve(JSON_FILE).toFile(), EpochStats[].class));
    }
}
