package dev.digitlab.spark;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.pytorch.jni.JniUtils;
import dev.digitlab.TestData;
import dev.digitlab.data.DataFolder;
import dev.digitlab.train.Experiment;
import dev.digitlab.train.ExperimentCluster;
import dev.digitlab.train.TrainConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code digitlab experiment --master local[2]}: both tasks run in this JVM at once, where DJL allows one training at a
 * time; they take turns, and each run is the one a local experiment makes.
 */
class LocalSweepTest {
    @TempDir
    Path tmp;

    @Test
    void twoTasksInOneJvmTakeTurnsAndTrainAsALocalExperimentDoes() throws Exception {
        TrainConfig base = TrainConfig.builder().model("mlp").epochs(1).limit(600).valSplit(0).batchSize(32)
                .lrSchedule(TrainConfig.Schedule.NONE).lr(1e-3).build();
        List<Experiment.Variant> variants = List.of(new Experiment.Variant("a", base),
                new Experiment.Variant("b", base.toBuilder().batchSize(64).build()));
        List<Experiment.Run> runs = new SparkExperiments().run("local[2]", Map.of(), variants, 1, tmp.resolve("spark"),
                new ExperimentCluster.Data("mnist", null), 1, s -> { });
        assertThat(runs).hasSize(2).noneMatch(Experiment.Run::reused);

        DataFolder.TrainTest mnist = TestData.mnist();
        JniUtils.setNumThreads(1); // as the task did: one core each, and the sums come out in the same order
        Experiment.Run local = Experiment.one(variants.get(1), 1, tmp.resolve("local"), mnist.train(), mnist.test());
        assertThat(Files.readAllBytes(tmp.resolve("spark/b/run-1/model.params")))
                .isEqualTo(Files.readAllBytes(tmp.resolve("local/b/run-1/model.params")));
        assertThat(runs.stream().filter(r -> r.variant().name().equals("b")).findFirst().orElseThrow().testAccuracy())
                .isEqualTo(local.testAccuracy());
    }
}
