package dev.digitlab.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.digitlab.AtomicFiles;
import dev.digitlab.DigitlabException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Everything needed to continue a run after its last finished epoch, in one file written atomically:
 * {@code state.json} (config, epoch, optimiser step, early-stopping state, history), {@code model.params},
 * {@code optimizer.ndlist}, and {@code best.params} when the best epoch so far is an earlier one (so that the run can
 * score its best model at the end without reading it back from best/). Shuffling and dropout are seeded from (seed,
 * epoch), so no RNG state is needed.
 */
public record Checkpoint(State state, byte[] parameters, byte[] optimizer, byte[] bestParameters) {
    public static final String FILE = "checkpoint.zip";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MAX_ENTRY = 1L << 30;

    public record State(TrainConfig config, int epochsDone, long optimizerStep, double bestValLoss, int badEpochs,
                        double mean, double std, List<EpochStats> history) {}

    /** The best epoch's weights: this checkpoint's own when that epoch is the last one, else those kept beside them. */
    public byte[] best() {
        return state.badEpochs() == 0 ? parameters : bestParameters;
    }

    public void write(Path dir) throws IOException {
        AtomicFiles.write(dir.resolve(FILE), out -> {
            ZipOutputStream zip = new ZipOutputStream(out);
            put(zip, "state.json", JSON.writeValueAsBytes(state));
            put(zip, "model.params", parameters);
            put(zip, "optimizer.ndlist", optimizer);
            if (bestParameters != null) {
                put(zip, "best.params", bestParameters);
            }
            zip.finish();
        });
    }

    private static void put(ZipOutputStream zip, String name, byte[] bytes) throws IOException {
        zip.putNextEntry(new ZipEntry(name));
        zip.write(bytes);
        zip.closeEntry();
    }

    public static Checkpoint read(Path dir) {
        Path file = dir.resolve(FILE);
        Map<String, byte[]> entries = new HashMap<>();
        try (ZipInputStream zip = new ZipInputStream(Files.newInputStream(file))) {
            for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
                entries.put(e.getName(), readBounded(zip, file));
            }
        } catch (NoSuchFileException e) {
            throw new DigitlabException(dir + ": no " + FILE + " to resume from");
        } catch (IOException e) {
            throw new DigitlabException(file + ": corrupt checkpoint (" + e.getMessage() + ")");
        }
        for (String need : List.of("state.json", "model.params", "optimizer.ndlist")) {
            if (!entries.containsKey(need)) {
                throw new DigitlabException(file + ": corrupt checkpoint (no " + need + ")");
            }
        }
        try {
            State state = JSON.readValue(entries.get("state.json"), State.class);
            return new Checkpoint(state, entries.get("model.params"), entries.get("optimizer.ndlist"), entries.get("best.params"));
        } catch (IOException e) {
            throw new DigitlabException(file + ": corrupt checkpoint state (" + e.getMessage().lines().findFirst().orElse("") + ")");
        }
    }

    private static byte[] readBounded(InputStream in, Path file) throws IOException {
        byte[] bytes = in.readNBytes((int) Math.min(MAX_ENTRY, Integer.MAX_VALUE - 8));
        if (in.read() != -1) {
            throw new IOException("an entry larger than 1 GiB in " + file);
        }
        return bytes;
    }
}
