package dev.digitlab.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.digitlab.DigitlabException;
import dev.digitlab.data.Augmentation;
import dev.digitlab.train.Recipes;
import dev.digitlab.train.TrainConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code train --recipe NAME}: a recipe's settings, changed only by the options given beside it. */
class RecipeCliTest {
    /** What train would run with these options. */
    static TrainConfig config(String... args) {
        TrainCommand train = new TrainCommand();
        CommandLine cli = Main.commandLine(train);
        cli.parseArgs(args);
        try {
            return train.config().validate();
        } catch (DigitlabException e) {
            throw new DigitlabException(Flags.message(e, cli.getCommandSpec()));
        }
    }

    @Test
    void noRecipeIsTheDefaultOneAndTheShippedDefaults() {
        assertThat(config()).isEqualTo(TrainConfig.DEFAULT).isEqualTo(Recipes.get("default").config());
        assertThat(config().recipe()).isEqualTo("default");
    }

    @Test
    void aRecipeGivesAllItsSettingsAndRecordsItsName() {
        TrainConfig c = config("--recipe", "fastest");
        assertThat(c.model()).isEqualTo("quick-cnn");
        assertThat(c.lr()).isEqualTo(1e-2);
        assertThat(c.beta1()).isEqualTo(0.7);
        assertThat(c.beta2()).isEqualTo(0.9);
        assertThat(c.batchSize()).isEqualTo(256);
        assertThat(c.epochs()).isEqualTo(1);
        assertThat(c.lrSchedule()).isEqualTo(TrainConfig.Schedule.ONECYCLE);
        assertThat(c.recipe()).isEqualTo("fastest");
        assertThat(config("--recipe", "writeups").lrSchedule()).isEqualTo(TrainConfig.Schedule.NONE);
    }

    @Test
    void anExplicitOptionChangesThatSettingAndNoOther() {
        TrainConfig c = config("--recipe", "fastest", "--lr", "2e-2", "--seed", "3");
        assertThat(c.differences(Recipes.get("fastest").config())).containsExactlyInAnyOrder("lr: 0.02 -> 0.01", "seed: 3 -> 1");
        // an option at the value the shipped default happens to have still counts, because it was given
        assertThat(config("--recipe", "fastest", "--batch-size", "128", "--epochs", "6").batchSize()).isEqualTo(128);
        // train.py's names are the same settings; of the two names, the one given last wins, as a variant's over its base
        assertThat(config("--recipe", "fastest", "--num-epochs", "1", "--learning-rate", "1e-3"))
                .extracting(TrainConfig::epochs, TrainConfig::lr).containsExactly(1, 1e-3);
        assertThat(config("--num-epochs", "3", "--epochs", "5").epochs()).isEqualTo(5);
        assertThat(config("--epochs", "5", "--num-epochs=3").epochs()).isEqualTo(3);
        assertThat(config("--learning-rate", "1e-3", "--lr=2e-3").lr()).isEqualTo(2e-3);
    }

    @Test
    void aRecipesWarpChangesOnePartAtATimeAndCanBeTurnedOff() {
        Augmentation best = Recipes.get("best").config().augmentation();
        assertThat(best).isNotNull();
        assertThat(config("--recipe", "best", "--rotate", "5").augmentation())
                .isEqualTo(new Augmentation(5, best.zoom(), best.shift(), best.flip()));
        assertThat(config("--recipe", "best", "--no-augment").augmentation()).isNull();
        assertThat(config("--recipe", "fastest", "--rotate", "5").augmentation()).as("no --augment, no warp").isNull();
        assertThatThrownBy(() -> config("--recipe", "fastest", "--flip")).hasMessageContaining("--flip");
        assertThat(config("--recipe", "best", "--flip").augmentation().flip()).isTrue();
    }

    /** A recipe named when a run continues would bring its settings along unseen: refused, naming the one it has. */
    @Test
    void aContinuedRunKeepsItsRecipe(@TempDir Path dir) {
        String run = dir.resolve("run").toString();
        CliRun first = CliRun.of("train", "--model", "mlp", "--epochs", "1", "--limit", "300", "--no-progress", "--out", run);
        assertThat(first.exitCode()).as(first.err()).isZero();
        CliRun other = CliRun.of("train", "--resume", run, "--recipe", "fastest", "--epochs", "2");
        assertThat(other.exitCode()).isEqualTo(1);
        assertThat(other.err().strip()).isEqualTo("digitlab: error: --recipe cannot change when the run in " + run
                + " continues (it was started with default); give the settings to change one by one, or start a new run");
        CliRun same = CliRun.of("train", "--resume", run, "--recipe", "default", "--epochs", "2", "--no-progress");
        assertThat(same.exitCode()).as(same.err()).isZero();
        assertThat(same.err()).contains("epoch 2/2");
    }

    @Test
    void anUnknownRecipeIsRefusedNamingTheKnownOnes() {
        assertThatThrownBy(() -> config("--recipe", "quickest"))
                .hasMessage("--recipe has no recipe called 'quickest'; known: default, fastest, accurate, best, writeups");
    }

    @Test
    void helpListsEveryRecipeWithWhatItMeasured() {
        StringWriter help = new StringWriter();
        Main.commandLine(new Main()).getSubcommands().get("train").usage(new PrintWriter(help));
        for (Recipes.Recipe r : Recipes.all()) {
            assertThat(help.toString()).contains("  " + r.name() + " ").contains(r.measured());
        }
    }

    /**
     * docs/RESULTS.md's table of recipes spells each one out as train options; those options must make the recipe's
     * configuration (all but its name), so that the docs say what --recipe runs.
     */
    @Test
    void theDocsSpellOutEachRecipeAsItIs() throws Exception {
        String md = Files.readString(Path.of("docs/RESULTS.md"));
        Matcher row = Pattern.compile("\\| `--recipe ([a-z-]+)` \\| `([^`]+)` \\|").matcher(md);
        List<String> seen = new ArrayList<>();
        while (row.find()) {
            TrainConfig spelled = config(row.group(2).split("\\s+"));
            assertThat(spelled.differences(Recipes.get(row.group(1)).config())).as(row.group(0)).isEmpty();
            seen.add(row.group(1));
        }
        List<String> all = new ArrayList<>();
        Recipes.names().forEach(all::add);
        assertThat(seen).containsExactlyElementsOf(all);
    }
}
