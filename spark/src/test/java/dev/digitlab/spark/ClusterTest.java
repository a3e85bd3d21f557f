package dev.digitlab.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.Ports;
import dev.digitlab.TestData;
import dev.digitlab.api.Classifier;
import dev.digitlab.data.DataFolder;
import dev.digitlab.data.Dataset;
import dev.digitlab.data.Digits;
import dev.digitlab.data.KaggleCsv;
import dev.digitlab.e2e.UserFiles;
import dev.digitlab.model.Inference;
import dev.digitlab.train.Experiment;
import dev.digitlab.train.ExperimentCluster;
import dev.digitlab.train.TrainConfig;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Spark standalone cluster on 127.0.0.1, started from the Maven artifacts on this module's class path: a
 * Master and two Workers, each its own JVM, the Workers launching executor JVMs. The 10,000 MNIST test images and a
 * Kaggle CSV are scored through it and every label is checked against digitlab's own scoring in this process; then a
 * two-variant x two-seed sweep runs through it, and again, keeping every finished run. The cluster is stopped by the
 * processes this test started, also when a test fails.
 */
class ClusterTest {
    @TempDir
    static Path tmp;
    static final List<Process> CLUSTER = new ArrayList<>();
    static String master;
    static final Path MODEL = Path.of("../models/lenet5").toAbsolutePath().normalize();

    /** The JVM flags Spark needs on Java 17, as the pom gives them to this test (they are the executors' too). */
    static final List<String> JVM_FLAGS = List.of(System.getProperty("digitlab.spark.jvmFlags", "").trim().split("\\s+"));


    /**
     * A Spark home made of this module's class path: the Workers put its jars/ on every executor's class path. Spark's
     * launcher takes a folder with a RELEASE file for an installed Spark, whose jars are in jars/.
     */
    static Path sparkHome() throws IOException {
        Path home = tmp.resolve("spark-home");
        Path jars = Files.createDirectories(home.resolve("jars"));
        Files.writeString(home.resolve("RELEASE"), "Spark from this module's Maven class path\n");
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path p = Path.of(entry);
            if (entry.endsWith(".jar") && Files.isRegularFile(p) && !Files.exists(jars.resolve(p.getFileName()))) {
                Files.createSymbolicLink(jars.resolve(p.getFileName()), p.toAbsolutePath());
            }
        }
        return home;
    }

    static Process start(Path home, String name, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-cp", home.resolve("jars") + "/*"));
        cmd.addAll(JVM_FLAGS);
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve(name + ".log").toFile());
        pb.environment().put("SPARK_HOME", home.toString());
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        pb.environment().put("SPARK_SCALA_VERSION", "2.13");
        Process p = pb.start();
        CLUSTER.add(p);
        return p;
    }

    @BeforeAll
    static void startCluster() throws Exception {
        try {
            Path home = sparkHome();
            int port = Ports.free();
            int ui = Ports.free();
            start(home, "master", "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port",
                    String.valueOf(port), "--webui-port", String.valueOf(ui));
            master = "spark://127.0.0.1:" + port;
            for (int w = 1; w <= 2; w++) { // worker 1's executor scores two partitions at once
                start(home, "worker-" + w, "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1", "--cores",
                        String.valueOf(3 - w), "--memory", "4g", "--webui-port", String.valueOf(Ports.free()), "--work-dir",
                        Files.createDirectories(tmp.resolve("work-" + w)).toString(), master);
            }
            HttpClient http = HttpClient.newHttpClient();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            int alive = 0;
            while (alive < 2 && System.nanoTime() < deadline) {
                Thread.sleep(500);
                try {
                    String json = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ui + "/json/")).build(),
                            HttpResponse.BodyHandlers.ofString()).body();
                    alive = json.split("\"state\" : \"ALIVE\"", -1).length - 1;
                } catch (IOException e) {
                    alive = 0;
                }
            }
            assertThat(alive).as("workers registered with the master (logs in %s)", tmp).isEqualTo(2);
        } catch (Throwable t) {
            stopCluster();
            throw t;
        }
    }

    @AfterAll
    static void stopCluster() throws InterruptedException {
        for (Process p : CLUSTER) {
            p.descendants().forEach(ProcessHandle::destroyForcibly); // executors the workers launched
            p.destroy();
        }
        for (Process p : CLUSTER) {
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
            }
        }
        CLUSTER.clear();
    }

    /** The driver's settings for this cluster: this module's classes on the executors, each worker's cores in one. */
    static Map<String, String> conf() {
        Map<String, String> c = new HashMap<>();
        c.put("spark.driver.host", "127.0.0.1");
        c.put("spark.driver.bindAddress", "127.0.0.1");
        c.put("spark.executor.extraClassPath", Path.of("target/classes").toAbsolutePath() + ":"
                + Path.of("target/test-classes").toAbsolutePath());
        c.put("spark.executor.extraJavaOptions", String.join(" ", JVM_FLAGS));
        c.put("spark.executor.memory", "1500m");
        return c;
    }

    static Map<String, Integer> labels(SparkSession spark, String parquet) {
        Map<String, Integer> m = new HashMap<>();
        for (Row r : spark.read().parquet(parquet).select("id", "label").collectAsList()) {
            m.put(r.getString(0), r.getInt(1));
        }
        return m;
    }

    @Test
    void scoresTheTestSetAndAKaggleCsvOnTheClusterAsDigitlabDoesLocally() throws Exception {
        Digits test = TestData.mnist().test();
        Path mnist = DataFolder.defaultDir(Dataset.MNIST); // where TestData found the IDX files
        Path csv = UserFiles.kaggleCsv(test, 300, false, tmp.resolve("kaggle-test.csv"));
        String text = Files.readString(csv);
        Inference.Outputs local;
        Inference.Outputs localKaggle;
        try (Classifier c = Classifier.load(MODEL)) {
            local = c.outputs(test); // what digitlab evaluate computes
            localKaggle = c.outputs(KaggleCsv.read(csv, c.classNames())); // and digitlab kaggle
        }
        Files.writeString(csv, text + "1,2,3\n300" + ",0".repeat(783) + "\n"); // two bad rows for the cluster
        try (SparkSession spark = Sessions.start("digitlab cluster test", master, conf())) {
            Scoring.Summary idx = Scoring.run(spark, new Scoring.Job(MODEL, mnist.resolve("t10k-images-idx3-ubyte").toString(),
                    tmp.resolve("scored-idx").toString(), "image", 4, false));
            assertThat(idx.scored()).isEqualTo(10_000);
            assertThat(idx.errors()).isZero();
            Map<String, Integer> got = labels(spark, idx.predictions());
            for (int i = 0; i < test.size(); i++) {
                assertThat(got.get(String.valueOf(i))).as("image %d", i).isEqualTo(local.predicted(i));
            }
            assertThat(spark.sparkContext().master()).isEqualTo(master);
            assertThat(spark.sparkContext().getExecutorMemoryStatus().size()).as("driver and two executors").isEqualTo(3);

            Scoring.Summary k = Scoring.run(spark, new Scoring.Job(MODEL, csv.toString(), tmp.resolve("scored-csv").toString(), "image", 3, true));
            assertThat(k.scored()).isEqualTo(300);
            assertThat(k.errors()).isEqualTo(2);
            Map<String, Integer> kaggle = labels(spark, k.predictions());
            for (int i = 0; i < 300; i++) { // the CSV's row i + 1 is data line i + 2
                assertThat(kaggle.get(csv + ":" + (i + 2))).isEqualTo(localKaggle.predicted(i));
            }
            List<Row> errors = spark.read().parquet(k.errorsPath().toString()).orderBy("id").collectAsList();
            assertThat(errors.get(0).getString(1)).contains("line 302").contains("3 fields, expected 784");
            assertThat(errors.get(1).getString(1)).contains("line 303").contains("value 300 is outside 0-255");
        }
    }

    @Test
    void aTwoByTwoSweepRunsOnTheClusterAndARepeatKeepsEveryRun() throws Exception {
        TrainConfig base = TrainConfig.builder().model("mlp").epochs(1).limit(600).valSplit(0).batchSize(32)
                .lrSchedule(TrainConfig.Schedule.NONE).lr(1e-3).build();
        List<Experiment.Variant> variants = List.of(new Experiment.Variant("small batch", base),
                new Experiment.Variant("big batch", base.toBuilder().batchSize(128).build()));
        Path out = tmp.resolve("sweep");
        ExperimentCluster cluster = new SparkExperiments();
        List<Experiment.Run> first = cluster.run(master, conf(), variants, 2, out, new ExperimentCluster.Data("mnist", null), 1,
                s -> { });
        assertThat(first).hasSize(4).noneMatch(Experiment.Run::reused);
        for (String v : List.of("small-batch", "big-batch")) {
            for (int k = 1; k <= 2; k++) {
                assertThat(out.resolve(v).resolve("run-" + k).resolve("model.json")).isRegularFile();
                assertThat(out.resolve(v).resolve("run-" + k).resolve("train.log")).content().contains("epoch 1/1");
            }
        }
        assertThat(first.stream().map(Experiment.Run::seed).sorted().toList()).containsExactly(1L, 1L, 2L, 2L);
        List<Experiment.Run> again = cluster.run(master, conf(), variants, 2, out, new ExperimentCluster.Data("mnist", null), 1,
                s -> { });
        assertThat(again).hasSize(4).allMatch(Experiment.Run::reused);
        assertThat(again.stream().mapToDouble(Experiment.Run::testAccuracy).sum())
                .isEqualTo(first.stream().mapToDouble(Experiment.Run::testAccuracy).sum());
    }
}
