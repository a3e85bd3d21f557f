package dev.digitlab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExperimentCliTest {
    @TempDir
    Path dir;

    @Test
    void aGridRunsEveryVariantSeveralTimesAndASecondCallReusesThem() throws Exception {
        Path out = dir.resolve("exp");
        String[] args = {"experiment", "--grid", "model=mlp,fast-cnn lr=1e-3", "--runs", "2", "--no-progress",
                "--base", "--epochs 1 --limit 600 --val-split 0", "--out", out.toString()};
        CliRun first = CliRun.of(args);
        assertThat(first.exitCode()).as(first.err()).isZero();
        assertThat(first.out()).contains("| model=mlp lr=1e-3 | `--model mlp --lr 1e-3` | 2 |")
                .contains("| model=fast-cnn lr=1e-3 |").contains("(0 runs reused)");
        for (String run : List.of("model-mlp-lr-1e-3/run-1", "model-mlp-lr-1e-3/run-2", "model-fast-cnn-lr-1e-3/run-2")) {
            assertThat(out.resolve(run).resolve("model.json")).isRegularFile();
            assertThat(out.resolve(run).resolve("train.log")).content().contains("epoch 1/1");
        }
        List<String> csv = Files.readAllLines(out.resolve("results.csv"));
        assertThat(csv).hasSize(3);
        assertThat(csv.get(0)).isEqualTo("variant,options,runs,mean_test_accuracy,std_test_accuracy,mean_epoch_seconds,parameters");
        assertThat(csv.get(1)).startsWith("model=mlp lr=1e-3,--model mlp --lr 1e-3,2,").endsWith(",235146");
        String table = Files.readString(out.resolve("results.md"));

        // the two seeds give different runs, so the spread is not zero
        double std = Double.parseDouble(csv.get(1).split(",")[4]);
        assertThat(std).isGreaterThan(0);

        CliRun second = CliRun.of(args);
        assertThat(second.exitCode()).isZero();
        assertThat(second.out()).contains("(4 runs reused)");
        assertThat(Files.readString(out.resolve("results.md"))).isEqualTo(table);
    }

    @Test
    void aConfigFileNamesItsVariants() throws Exception {
        Path conf = dir.resolve("ladder.txt");
        Files.writeString(conf, "# two steps\nsmall: --model mlp --batch-size 64\n\nlarger batch: --model mlp --batch-size 128 # comment\n");
        CliRun r = CliRun.of("experiment", "--config", conf.toString(), "--runs", "1", "--no-progress",
                "--base", "--epochs 1 --limit 300 --val-split 0", "--out", dir.resolve("o").toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("| small | `--model mlp --batch-size 64` | 1 |").contains("| larger batch | `--model mlp --batch-size 128` | 1 |");
        assertThat(dir.resolve("o/larger-batch/run-1/model.json")).isRegularFile();
    }

    @Test
    void badGridsAndConfigsAreOneClearLine() throws Exception {
        Path conf = dir.resolve("bad.txt");
        Files.writeString(conf, "ok: --model mlp\nno colon here\n");
        Path seeded = dir.resolve("seeded.txt");
        Files.writeString(seeded, "mine: --model mlp --seed=7\n");
        Object[][] cases = {
            {new String[] {"experiment", "--grid", "model=lenet5 colour=red"}, "digitlab: error: --grid: unknown key 'colour' (expected one of recipe, model, epochs"},
            {new String[] {"experiment", "--grid", "model=resnet"}, "digitlab: error: variant 'model=resnet': unknown model 'resnet'"},
            {new String[] {"experiment", "--grid", "lr=0"}, "digitlab: error: variant 'lr=0': --lr must be a positive number, got 0.0"},
            {new String[] {"experiment", "--grid", "lr=fast"}, "digitlab: error: variant 'lr=fast': Invalid value for option '--lr'"},
            {new String[] {"experiment", "--grid", "model="}, "digitlab: error: --grid: 'model=' needs key=value[,value...]"},
            {new String[] {"experiment", "--grid", "augment=maybe"}, "digitlab: error: --grid: augment=maybe: expected true or false"},
            {new String[] {"experiment", "--config", conf.toString()}, "digitlab: error: " + conf + ": line 2: expected 'name: train options'"},
            {new String[] {"experiment", "--config", dir.resolve("none.txt").toString()}, "digitlab: error: " + dir.resolve("none.txt") + ": no such file"},
            {new String[] {"experiment"}, "digitlab: error: give either --grid or --config"},
            {new String[] {"experiment", "--config", seeded.toString()}, "digitlab: error: variant 'mine': --seed is the experiment's to choose"},
            {new String[] {"experiment", "--grid", "model=mlp", "--base", "--dataset fashion"}, "digitlab: error: variant 'model=mlp': --dataset is the experiment's to choose"},
            {new String[] {"experiment", "--grid", "dataset=fashion"}, "digitlab: error: --grid: unknown key 'dataset'"},
            {new String[] {"experiment", "--grid", "recipe=quick"}, "digitlab: error: variant 'recipe=quick': --recipe has no recipe called 'quick'"},
            {new String[] {"experiment", "--grid", "model=mlp", "--runs", "0"}, "digitlab: error: --runs must be at least 1, got 0"},
        };
        for (Object[] c : cases) {
            CliRun r = CliRun.of((String[]) c[0]);
            assertThat(r.exitCode()).as(String.join(" ", (String[]) c[0])).isEqualTo(1);
            assertThat(r.err().strip()).as(String.join(" ", (String[]) c[0])).startsWith((String) c[1]);
            assertThat(r.err().strip().lines().count()).isEqualTo(1);
        }
    }
}
