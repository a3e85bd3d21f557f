package dev.digitlab.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.digitlab.DigitlabException;
import dev.digitlab.Slow;
import dev.digitlab.TestData;
import dev.digitlab.api.Classifier;
import dev.digitlab.data.Augmentation;
import dev.digitlab.data.Digits;
import dev.digitlab.model.Devices;
import dev.digitlab.model.ModelFolder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Slow // training on real MNIST, several runs compared
class TrainerTest {
    @TempDir
    Path dir;

    static TrainConfig config(String model, String optimizer, String schedule, int epochs, int limit) {
        return TrainConfig.builder().model(model).epochs(epochs).batchSize(32).valSplit(0.2).lr(optimizer.equals("sgd") ? 0.01 : 1e-3)
                .optimizer(TrainConfig.Optimizer.parse(optimizer)).lrSchedule(TrainConfig.Schedule.parse(schedule))
                .stepEpochs(1).gamma(0.5).seed(3).device(Devices.Choice.CPU).limit(limit).build();
    }

    static TrainConfig augmented(TrainConfig c) {
        return c.toBuilder().augmentation(Augmentation.DEFAULT).build();
    }

    /** A run as the command line makes it: a fresh folder, or the saved one continued; the log and the folder listen. */
    static Result train(TrainConfig c, Path out, boolean resume, List<String> log) throws IOException {
        Digits test = TestData.mnist().test().subset(IntStream.range(0, 2000).toArray());
        RunFolder folder = resume ? RunFolder.open(out).continued() : RunFolder.open(out).fresh();
        return Trainer.run(c, TestData.mnist().train(), test, folder.checkpoint(), List.of(new TrainingLog(log::add), folder));
    }

    /** A log that stops the run (throws "killed") when it is told the line containing {@code text}. */
    static List<String> killedAt(String text) {
        return new ArrayList<>() {
            @Override
            public boolean add(String line) {
                if (line.contains(text)) {
                    throw new IllegalStateException("killed");
                }
                return super.add(line);
            }
        };
    }

    /** The figures that must repeat exactly; times and durations may not. */
    static List<List<Double>> figures(List<EpochStats> history) {
        return history.stream().map(e -> List.of(e.trainLoss(), e.trainAccuracy(), e.valLoss(), e.valAccuracy(), e.lr())).toList();
    }

    @Test
    void smallRunLearnsAndLeavesAUsableFolder() throws IOException {
        Result r = train(config("lenet5", "adam", "none", 2, 6000), dir.resolve("run"), false, new ArrayList<>());
        // beautiful_mnist style: the example is the test; 4,800 images and 2 epochs give about 93 %
        assertThat(r.testAccuracy()).isGreaterThan(0.88);
        assertThat(r.history()).hasSize(2);
        assertThat(r.history().get(1).trainLoss()).isLessThan(r.history().get(0).trainLoss());
        Path run = dir.resolve("run");
        for (String f : List.of("model.json", "model.params", "history.json", "history.csv", "checkpoint.zip",
                "best/model.json", "best/model.params")) {
            assertThat(run.resolve(f)).isRegularFile();
        }
        assertThat(Files.readAllLines(run.resolve("history.csv"))).hasSize(3).first().asString().startsWith("epoch,time,train_loss");
        assertThat(History.read(run)).hasSize(2);
        ModelFolder.Sidecar s = ModelFolder.readSidecar(run);
        assertThat(s.architecture()).isEqualTo("lenet5");
        assertThat(s.inputSize()).isEqualTo(32);
        assertThat(s.metrics().testAccuracy()).isEqualTo(r.testAccuracy());
        assertThat(ModelFolder.readSidecar(run.resolve("best")).metrics().testAccuracy()).isGreaterThan(0.88);
        try (var files = Files.list(run)) {
            assertThat(files.filter(p -> p.toString().endsWith(".part"))).isEmpty();
        }
    }

    /**
     * best/ holds an earlier epoch than the last (an MLP overfitting 960 images): the trainer scores it from the weights
     * it kept, also in a run continued after that epoch (the checkpoint carries them), to the figures a classifier
     * loaded from best/ gets.
     */
    @Test
    void theBestEpochIsScoredFromTheWeightsTheRunKeptAlsoAfterAResume() throws IOException {
        TrainConfig c = config("mlp", "adam", "none", 8, 1200).toBuilder().lr(1e-2).build();
        Path whole = dir.resolve("whole");
        Path broken = dir.resolve("broken");
        train(c, whole, false, new ArrayList<>());
        int best = ModelFolder.readSidecar(whole.resolve("best")).metrics().epoch();
        assertThat(best).as("this run's best epoch must come before its last for the test to mean anything").isLessThan(7);
        assertThat(Checkpoint.read(whole).bestParameters()).isNotNull();
        List<String> log = killedAt("epoch 8/8");
        assertThatThrownBy(() -> train(c, broken, false, log)).hasMessage("killed");
        train(c, broken, true, new ArrayList<>());
        Digits test = TestData.mnist().test().subset(IntStream.range(0, 2000).toArray());
        double loaded;
        try (Classifier b = Classifier.load(whole.resolve("best"))) {
            loaded = b.outputs(test).accuracy(test.labels());
        }
        for (Path run : List.of(whole, broken)) {
            var m = ModelFolder.readSidecar(run.resolve("best")).metrics();
            assertThat(m.epoch()).as(run.toString()).isEqualTo(best);
            assertThat(m.testAccuracy()).as(run.toString()).isEqualTo(loaded);
        }
        // a checkpoint from before they were kept in it: the best epoch's weights come from best/, and best/ is scored
        Checkpoint ck = Checkpoint.read(whole);
        new Checkpoint(ck.state(), ck.parameters(), ck.optimizer(), null).write(whole);
        ModelFolder.Sidecar s = ModelFolder.readSidecar(whole.resolve("best"));
        ModelFolder.saveSidecar(whole.resolve("best"), s.with(s.metrics().withTest(Double.NaN, Double.NaN), s.source()));
        train(c.toBuilder().epochs(9).build(), whole, true, new ArrayList<>());
        var m = ModelFolder.readSidecar(whole.resolve("best")).metrics();
        assertThat(m.epoch()).as("epoch 9 must not be the best for this part to mean anything").isEqualTo(best);
        assertThat(m.testAccuracy()).isEqualTo(loaded);
    }

    @Test
    void sameSeedSameHistory() throws IOException {
        TrainConfig c = config("bn-cnn", "sgd", "step", 2, 1500);
        Result a = train(c, dir.resolve("a"), false, new ArrayList<>());
        Result b = train(c, dir.resolve("b"), false, new ArrayList<>());
        assertThat(figures(b.history())).isEqualTo(figures(a.history()));
        assertThat(Files.readAllBytes(dir.resolve("b/model.params"))).isEqualTo(Files.readAllBytes(dir.resolve("a/model.params")));
    }

    @Test
    void resumeEndsWithTheSameHistoryAsAnUninterruptedRun() throws IOException {
        for (TrainConfig c : List.of(config("dropout-cnn", "adam", "onecycle", 3, 1200),
                                     augmented(config("lenet5", "sgd", "cosine", 3, 1200)))) {
            Path whole = dir.resolve(c.model() + "-whole");
            Path broken = dir.resolve(c.model() + "-broken");
            Result uninterrupted = train(c, whole, false, new ArrayList<>());
            // Die while epoch 2 is being reported, after epoch 1's checkpoint was written.
            List<String> log = killedAt("epoch 2/3");
            assertThatThrownBy(() -> train(c, broken, false, log)).hasMessage("killed");
            assertThat(Checkpoint.read(broken).state().epochsDone()).isEqualTo(1);
            Result resumed = train(c, broken, true, new ArrayList<>());
            assertThat(figures(resumed.history())).as(c.model()).isEqualTo(figures(uninterrupted.history()));
            assertThat(resumed.testAccuracy()).isEqualTo(uninterrupted.testAccuracy());
        }
    }

    @Test
    void augmentedTrainingRepeatsWithTheSeedAndSeesOtherImages() throws IOException {
        TrainConfig plain = config("fast-cnn", "adam", "none", 2, 1500);
        List<String> log = new ArrayList<>();
        Result a = train(augmented(plain), dir.resolve("a"), false, log);
        Result b = train(augmented(plain), dir.resolve("b"), false, new ArrayList<>());
        Result p = train(plain, dir.resolve("p"), false, new ArrayList<>());
        assertThat(figures(b.history())).isEqualTo(figures(a.history()));
        assertThat(a.history().get(0).trainLoss()).isNotEqualTo(p.history().get(0).trainLoss());
        assertThat(a.testAccuracy()).isGreaterThan(0.8);
        assertThat(log).anyMatch(l -> l.equals("augmentation: rotate up to 10.0 degrees, zoom up to 0.1, shift up to 0.1 of the side"));
        assertThat(ModelFolder.readSidecar(dir.resolve("a")).training().get("augmentation").get("rotate").asDouble()).isEqualTo(10.0);
    }

    @Test
    void refusesToOverwriteAnotherRun() throws IOException {
        Path out = dir.resolve("run");
        train(config("mlp", "adam", "none", 1, 500), out, false, new ArrayList<>());
        assertThatThrownBy(() -> train(config("lenet5", "adam", "none", 1, 500), out, false, new ArrayList<>()))
                .isInstanceOf(DigitlabException.class)
                .hasMessage(out + " already holds a mlp run; continue it with resume " + out + " or choose another out");
    }

    @Test
    void nonsenseHyperParametersAreRejectedNamingTheSetting() {
        assertThatThrownBy(() -> config("lenet5", "adam", "none", -1, 0).validate())
                .hasMessage("epochs must be at least 0 (0: the untrained network, a baseline), got -1");
        assertThatThrownBy(() -> config("lenet5", "rmsprop", "none", 1, 0)).hasMessageContaining("optimizer must be one of adam, sgd");
        assertThatThrownBy(() -> config("lenet5", "adam", "linear", 1, 0)).hasMessageContaining("lrSchedule");
        TrainConfig c = config("lenet5", "adam", "none", 1, 0);
        for (var bad : List.of(new Augmentation(200, 0.1, 0.1), new Augmentation(10, 1.5, 0.1), new Augmentation(10, 0.1, -0.1))) {
            assertThatThrownBy(() -> c.toBuilder().augmentation(bad).build().validate())
                    .hasMessageMatching("(rotate|zoom|shift) must be in .*");
        }
    }

    @Test
    void learningRateSchedules() {
        TrainConfig base = config("lenet5", "adam", "none", 10, 0);
        LrSchedule none = LrSchedule.of(base, 100);
        assertThat(none.at(0)).isEqualTo(none.at(999)).isEqualTo(1e-3f);
        LrSchedule step = new LrSchedule(TrainConfig.Schedule.STEP, 1e-3, 100, 1000, 3, 0.1);
        assertThat(step.at(299)).isEqualTo(1e-3f);
        assertThat((double) step.at(300)).isCloseTo(1e-4, Offset.offset(1e-9));
        LrSchedule cosine = new LrSchedule(TrainConfig.Schedule.COSINE, 1e-3, 100, 1000, 3, 0.1);
        assertThat(cosine.at(0)).isEqualTo(1e-3f);
        assertThat((double) cosine.at(500)).isCloseTo(5e-4, Offset.offset(1e-9));
        assertThat((double) cosine.at(1000)).isCloseTo(0, Offset.offset(1e-12));
        LrSchedule one = new LrSchedule(TrainConfig.Schedule.ONECYCLE, 1e-3, 100, 1000, 3, 0.1);
        assertThat((double) one.at(0)).isCloseTo(4e-5, Offset.offset(1e-9));
        assertThat((double) one.at(300)).isCloseTo(1e-3, Offset.offset(1e-9));
        assertThat(one.at(999)).isLessThan(1e-6f);
    }
}
