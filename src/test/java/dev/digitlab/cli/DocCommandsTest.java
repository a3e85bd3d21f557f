package dev.digitlab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.digitlab.DigitlabException;
import dev.digitlab.DocCommands;
import dev.digitlab.eval.Explainer;
import dev.digitlab.model.Models;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * What the documentation tells a user to type is what digitlab accepts: every command line in README.md and docs/*.md
 * parses, every API path they name is in openapi.json and every path there is in USAGE.md's table; and --help says
 * what the code does. The Spark module checks the lines that need it (score).
 */
class DocCommandsTest {
    static final Path ROOT = Path.of("").toAbsolutePath();

    /** score comes with the Spark module; experiment's --master is the core's own option, so those lines are checked here. */
    static boolean needsSpark(DocCommands.Line line) {
        return line.args().get(0).equals("score");
    }

    @Test
    void everyDocumentedCommandLineParses() {
        List<DocCommands.Line> lines = DocCommands.commands(ROOT).stream().filter(l -> !needsSpark(l)).toList();
        assertThat(lines).hasSizeGreaterThan(30); // the extraction itself works
        List<String> failures = new ArrayList<>();
        for (DocCommands.Line line : lines) {
            String problem = problem(line.args());
            if (problem != null) {
                failures.add(line + "\n    " + problem);
            }
        }
        assertThat(failures).as(String.join("\n", failures)).isEmpty();
    }

    /** Why digitlab would refuse {@code args} before doing anything, or null. */
    static String problem(List<String> args) {
        try {
            CommandLine.ParseResult parsed = Main.commandLine(new Main()).parseArgs(args.toArray(String[]::new));
            if (parsed.subcommand().commandSpec().userObject() instanceof ExperimentCommand experiment) {
                // its variants (--grid or --config, on top of --base) as the experiment checks them before training
                for (var v : experiment.named().entrySet()) {
                    experiment.variant(v.getKey(), v.getValue());
                }
            }
            return null;
        } catch (CommandLine.ParameterException | DigitlabException | IOException e) {
            return e.getMessage();
        }
    }

    @Test
    void theExtractionReadsContinuationsQuotesAndComments() {
        String md = "text\n```bash\n./digitlab experiment --grid \"lr=1e-3 batch=32\" --base \"--model lenet5 \\\n"
                + "    --epochs 2\" --out x   # a comment\n  ./digitlab summary lenet5\n```\n./digitlab outside a block\n";
        assertThat(DocCommands.commands("t.md", md)).extracting(DocCommands.Line::args).containsExactly(
                List.of("experiment", "--grid", "lr=1e-3 batch=32", "--base", "--model lenet5     --epochs 2", "--out", "x"),
                List.of("summary", "lenet5"));
        // and what the check relies on: picocli refuses what digitlab would refuse
        for (String bad : List.of("train --no-such-option", "evaluate", "export --model m --format tflite",
                "experiment --grid model=lenet5 --base=--epochz", "experiment --grid lr=0", "experiment --config no-such.txt")) {
            assertThat(problem(List.of(bad.split(" ")))).as(bad).isNotNull();
        }
    }

    @Test
    void everyApiPathTheDocsNameIsInOpenApiAndUsageListsThemAll() throws Exception {
        Set<String> spec = new TreeSet<>();
        new ObjectMapper().readTree(Files.readString(ROOT.resolve("src/main/resources/openapi.json"))).get("paths")
                .fieldNames().forEachRemaining(spec::add);
        List<String> unknown = new ArrayList<>();
        for (Path page : DocCommands.pages(ROOT)) {
            for (String path : DocCommands.httpPaths(DocCommands.read(page))) {
                if (!spec.contains(path)) {
                    unknown.add(ROOT.relativize(page) + ": " + path);
                }
            }
        }
        assertThat(unknown).as("paths the docs name that openapi.json lacks").isEmpty();
        assertThat(DocCommands.httpPaths(DocCommands.read(ROOT.resolve("docs/USAGE.md"))))
                .as("USAGE.md's endpoint table").containsAll(spec);
    }

    /** Every paragraph of a description is one element, so picocli wraps it once, at the terminal's width. */
    @Test
    void helpTextIsWrappedByPicocliOnly() {
        List<String> broken = new ArrayList<>();
        for (CommandLine c : allCommands(Main.withPlugins())) {
            CommandSpec spec = c.getCommandSpec();
            checkParagraphs(spec.qualifiedName(), spec.usageMessage().description(), broken);
            for (ArgSpec a : spec.args()) {
                checkParagraphs(spec.qualifiedName() + " " + a.paramLabel(), a.description(), broken);
            }
        }
        assertThat(broken).as("description lines that end mid-sentence").isEmpty();
    }

    static void checkParagraphs(String where, String[] description, List<String> broken) {
        if (description.length > 1) {
            Arrays.stream(description).filter(d -> !d.replaceFirst("%n$", "").matches("(?s).*[.:;)]$")).forEach(d -> broken.add(where + ": " + d));
        }
    }

    static List<CommandLine> allCommands(CommandLine root) {
        List<CommandLine> all = new ArrayList<>(List.of(root));
        root.getSubcommands().values().forEach(c -> all.addAll(allCommands(c)));
        return all;
    }

    @Test
    void helpNamesEveryModelAndMethod() {
        CommandLine cli = Main.commandLine(new Main());
        String summary = help(cli, "summary", "MODEL");
        String train = help(cli, "train", "--model");
        String importHelp = help(cli, "import", "--arch");
        for (String model : Models.names()) {
            assertThat(summary).as("summary --help").contains(model);
            assertThat(train).as("train --help").contains(model);
            assertThat(importHelp).as("import --help").contains(model);
        }
        for (Explainer.Method m : Explainer.Method.values()) {
            assertThat(help(cli, "explain", "--method")).as("explain --method").contains(m.toString());
            assertThat(help(cli, "explain", null)).as("explain --help: what each method is").contains(m + ":");
        }
        assertThat(help(cli, "train", null)).contains("or training loss without a validation split");
    }

    /** The description of a command's option or parameter (by name or label), or of the command itself. */
    static String help(CommandLine cli, String command, String arg) {
        CommandSpec spec = cli.getSubcommands().get(command).getCommandSpec();
        if (arg == null) {
            return String.join(" ", spec.usageMessage().description());
        }
        ArgSpec a = arg.startsWith("-") ? spec.findOption(arg)
                : spec.positionalParameters().stream().filter(p -> p.paramLabel().equals(arg)).findFirst().orElseThrow();
        return String.join(" ", a.description());
    }

    /** A training setting is declared once, as an option; the docs check is that USAGE.md names every option train has. */
    @Test
    void usageNamesEveryOptionOfTrain() throws Exception {
        String usage = Files.readString(ROOT.resolve("docs/USAGE.md"));
        List<String> missing = new ArrayList<>();
        for (var o : Main.commandLine(new TrainCommand()).getCommandSpec().options()) {
            String name = o.longestName();
            if (!o.hidden() && !name.equals("--help") && !name.equals("--version")
                    && !Pattern.compile("(?<![\\w-])" + Pattern.quote(name) + "(?![\\w-])").matcher(usage).find()) {
                missing.add(name);
            }
        }
        assertThat(missing).as("train's options that docs/USAGE.md does not name").isEmpty();
    }
}
