package dev.digitlab.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * A folder holding one data set's four IDX files: where it is by default, fetching it when missing, loading it.
 * The default is {@code $DIGITLAB_DATA/<dataset>} when that variable is set, else {@code ~/.cache/digitlab/<dataset>}.
 */
public final class DataFolder {

    public record TrainTest(Digits train, Digits test) {}

    private DataFolder() {}

    public static Path defaultDir(Dataset dataset) {
        String env = System.getenv("DIGITLAB_DATA");
        Path root = env != null && !env.isBlank()
                ? Path.of(env)
                : Path.of(System.getProperty("user.home"), ".cache", "digitlab");
        return root.resolve(dataset.id());
    }

    /** Fetches the data set into {@code dir} unless it is already there; says so through {@code log}. */
    public static void ensure(Dataset dataset, Path dir, List<String> mirrors, Consumer<String> log) {
        if (Fetcher.isComplete(dir)) {
            return;
        }
        log.accept("no " + dataset + " data in " + dir + "; fetching it");
        String from = new Fetcher(dataset, Fetcher.defaultSources(dataset, mirrors), log).fetch(dir);
        log.accept("put " + dataset + " into " + dir + " (from " + from + ")");
    }

    public static TrainTest load(Dataset dataset, Path dir) {
        return new TrainTest(load(dataset, dir, 0), load(dataset, dir, 2));
    }

    /** Loads the images of file {@code first} of {@link Dataset#FILES} with the labels that follow it. */
    private static Digits load(Dataset dataset, Path dir, int first) {
        Path images = locate(dir, Dataset.FILES.get(first));
        Path labels = locate(dir, Dataset.FILES.get(first + 1));
        return Digits.fromIdx(Idx.readImages(images), Idx.readLabels(labels), dataset.classNames(),
                source(dir), images.toString(), labels.toString());
    }

    private static Path locate(Path dir, String name) {
        Path raw = dir.resolve(name);
        return Files.isRegularFile(raw) || !Files.isRegularFile(dir.resolve(name + ".gz")) ? raw : dir.resolve(name + ".gz");
    }

    private static String source(Path dir) {
        try {
            return dir + " (from " + Files.readString(dir.resolve("SOURCE")).strip() + ")";
        } catch (IOException e) {
            return dir.toString();
        }
    }
}
