package dev.digitlab.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Runs an experiment's variant x seed runs on a cluster, each as a task that trains into the same folder layout as
 * {@link Experiment#run} (finished runs kept, stopped ones continued). Provided by the Spark module through
 * ServiceLoader; the core has no cluster of its own.
 */
public interface ExperimentCluster {

    /** Where the data comes from on the workers: the data set and its folder (null: each worker's default cache). */
    record Data(String dataset, Path folder) {}

    /** {@code conf}: the cluster's own settings (Spark's {@code key=value}s), passed through. */
    List<Experiment.Run> run(String master, Map<String, String> conf, List<Experiment.Variant> variants, int runs, Path out,
                             Data data, int coresPerRun, Consumer<String> log) throws IOException;
}
