package dev.digitlab.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The listener sets a run is watched by, named as DJL's {@code TrainingListener.Defaults}: the one place that says
 * what a run tells and writes besides its model. The run's folder itself ({@link RunFolder}) is added by
 * {@link SeededRuns}, last, so that a listener that fails stops the run before its epoch is saved.
 */
public final class Listeners {
    private Listeners() {}

    /** Epoch lines to {@code log} and, with {@code events}, the event log in {@code dir} that dashboards follow. */
    public static List<TrainingListener> logging(Path dir, Consumer<String> log, boolean events) {
        List<TrainingListener> l = new ArrayList<>(List.of(new TrainingLog(log)));
        if (events) {
            l.add(new EventLog(dir));
        }
        return l;
    }

    /** A run nobody watches on a console (an experiment's): its lines in {@code dir}/train.log, and its event log. */
    public static List<TrainingListener> toFiles(Path dir) {
        return logging(dir, line -> append(dir.resolve("train.log"), line), true);
    }

    private static void append(Path log, String line) {
        try {
            Files.createDirectories(log.getParent());
            Files.writeString(log, line + System.lineSeparator(), StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
