package dev.digitlab.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.digitlab.data.DataFolder;
import dev.digitlab.data.Dataset;
import dev.digitlab.train.Experiment;
import dev.digitlab.train.ExperimentCluster;
import dev.digitlab.train.TrainConfig;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * {@code digitlab experiment --master URL}: every variant x seed is one Spark task, each holding
 * {@code coresPerRun} cores ({@code spark.task.cpus}) and training with that many libtorch threads, into the same
 * folders as a local experiment (which must be on storage every worker sees). A task whose run is finished keeps it,
 * one whose run was stopped continues it, so running the same command again completes the experiment.
 */
public final class SparkExperiments implements ExperimentCluster {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One task: a variant (by name and configuration) and a run number. */
    record Task(String name, String config, int k) implements Serializable {}

    /** What a task sends back: the task itself, which finds its variant again, and the run's results. */
    record Done(Task task, long seed, double testAccuracy, double epochSeconds, boolean reused) implements Serializable {}

    @Override
    public List<Experiment.Run> run(String master, Map<String, String> conf, List<Experiment.Variant> variants, int runs,
                                    Path out, Data data, int coresPerRun, Consumer<String> log) throws IOException {
        Map<Task, Experiment.Variant> variantOf = new LinkedHashMap<>();
        for (Experiment.Variant v : variants) {
            String json = JSON.writeValueAsString(v.config());
            for (int k = 1; k <= runs; k++) {
                variantOf.put(new Task(v.name(), json, k), v);
            }
        }
        List<Task> tasks = new ArrayList<>(variantOf.keySet());
        String outDir = out.toString();
        String dataset = data.dataset();
        String folder = data.folder() == null ? null : data.folder().toString();
        List<Done> done;
        Map<String, String> settings = new HashMap<>(conf);
        settings.put("spark.task.cpus", String.valueOf(coresPerRun));
        // One training per executor JVM: DJL collects gradients for one training at a time in a JVM (see TRAINING).
        settings.putIfAbsent("spark.executor.cores", String.valueOf(coresPerRun));
        settings.putIfAbsent("spark.task.maxFailures", "1");
        try (SparkSession spark = Sessions.start("digitlab experiment", master, settings)) {
            log.accept(tasks.size() + " training tasks on " + spark.sparkContext().master() + ", " + coresPerRun
                    + " core(s) each");
            JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            done = jsc.parallelize(tasks, tasks.size()).map(t -> train(t, outDir, dataset, folder, coresPerRun)).collect();
        }
        List<Experiment.Run> result = new ArrayList<>();
        for (Done d : done) {
            result.add(new Experiment.Run(variantOf.get(d.task()), d.task().k(), d.seed(), d.testAccuracy(), d.epochSeconds(),
                    d.reused()));
        }
        return result;
    }

    /**
     * Held while a task trains. DJL's gradient collector is one per JVM ("only one can be collecting at a time"), and
     * libtorch's thread count is too: where an executor runs several tasks at once (local[N], or spark.executor.cores
     * above --cores-per-run), its trainings take turns instead of failing.
     */
    private static final Object TRAINING = new Object();

    /** The data sets this JVM has read, so that an executor's later tasks do not read them again. */
    private static final Map<String, DataFolder.TrainTest> DATA = new ConcurrentHashMap<>();

    /** On an executor: the data (fetched into the worker's cache if it lacks it), then the run. */
    static Done train(Task t, String out, String dataset, String folder, int cores) {
        synchronized (TRAINING) {
            return trainAlone(t, out, dataset, folder, cores);
        }
    }

    private static Done trainAlone(Task t, String out, String dataset, String folder, int cores) {
        ExecutorModels.threads(cores); // for this thread, which trains
        DataFolder.TrainTest tt = DATA.computeIfAbsent(dataset + ":" + folder, k -> {
            Dataset d = Dataset.parse(dataset);
            Path dir = folder != null ? Path.of(folder) : DataFolder.defaultDir(d);
            DataFolder.ensure(d, dir, List.of(), line -> { });
            return DataFolder.load(d, dir);
        });
        TrainConfig config = TrainConfig.fromJson(read(t.config()));
        try {
            Experiment.Run r = Experiment.one(new Experiment.Variant(t.name(), config), t.k(), Path.of(out), tt.train(), tt.test());
            return new Done(t, r.seed(), r.testAccuracy(), r.epochSeconds(), r.reused());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode read(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
