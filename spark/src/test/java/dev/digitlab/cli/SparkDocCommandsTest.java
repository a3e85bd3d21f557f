package dev.digitlab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.DocCommands;
import dev.digitlab.e2e.Launcher;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The documented command lines the core's DocCommandsTest leaves to this module: score's. */
class SparkDocCommandsTest {
    @Test
    void everyDocumentedSparkCommandLineParses() {
        List<DocCommands.Line> lines = DocCommands.commands(Launcher.projectRoot()).stream()
                .filter(DocCommandsTest::needsSpark).toList();
        assertThat(lines).hasSizeGreaterThanOrEqualTo(6);
        List<String> failures = new ArrayList<>();
        for (DocCommands.Line line : lines) {
            try {
                Main.withPlugins().parseArgs(line.args().toArray(String[]::new));
            } catch (CommandLine.ParameterException e) {
                failures.add(line + "\n    " + e.getMessage());
            }
        }
        assertThat(failures).as(String.join("\n", failures)).isEmpty();
    }

    @Test
    void scoreHelpIsWrappedByPicocliOnly() {
        List<String> broken = new ArrayList<>();
        for (CommandLine c : DocCommandsTest.allCommands(Main.withPlugins().getSubcommands().get("score"))) {
            DocCommandsTest.checkParagraphs("score", c.getCommandSpec().usageMessage().description(), broken);
            c.getCommandSpec().args().forEach(a -> DocCommandsTest.checkParagraphs("score " + a.paramLabel(), a.description(), broken));
        }
        assertThat(broken).isEmpty();
    }
}
