package dev.digitlab.cli;

import dev.digitlab.BadSetting;
import dev.digitlab.DigitlabException;
import dev.digitlab.Version;
import dev.digitlab.data.Normalization;
import dev.digitlab.model.Devices;
import dev.digitlab.train.TrainConfig;
import java.util.ServiceLoader;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "digitlab", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        description = "Train, evaluate, explain and serve handwritten-digit classifiers.",
        subcommands = {FetchCommand.class, DataCommand.class, SummaryCommand.class, TrainCommand.class,
                ExperimentCommand.class, EvaluateCommand.class, PredictCommand.class, KaggleCommand.class, ReportCommand.class,
                LearnCommand.class, ServeCommand.class, ExplainCommand.class, ImportCommand.class, ExportCommand.class,
                CommandLine.HelpCommand.class})
public class Main implements Runnable {

    static {
        // Nothing is ever downloaded at run time: the natives come from the class path.
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("java.awt.headless", "true");
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code: 0 done, 1 bad input or failure, 2 bad usage. */
    public static int run(String... args) {
        CommandLine cli = withPlugins();
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof DigitlabException d) {
                // one line whatever a file put into the message
                cmd.getErr().println("digitlab: error: " + Flags.message(d, cmd.getCommandSpec()).replaceAll("[\\r\\n\\p{Cc}]+", " "));
                return 1;
            }
            throw e;
        });
        try {
            return cli.execute(args);
        } catch (OutOfMemoryError | StackOverflowError e) {
            // picocli hands Errors on untouched; this is the last place they can still become one line
            String what = e instanceof OutOfMemoryError ? "out of memory (" + e.getMessage() + ")" : "input nested too deeply for the stack";
            System.err.println("digitlab: error: " + what + " while running '" + String.join(" ", args).replaceAll("\\s+", " ")
                    + "'; the JVM's memory (-Xmx, DIGITLAB_JAVA_OPTS) is too small for it, or an input holds more than it seemed to");
            return 1;
        }
    }

    /** The whole command line: the core's commands and those of every module on the class path (score). */
    static CommandLine withPlugins() {
        CommandLine cli = commandLine(new Main());
        for (CommandPlugin plugin : ServiceLoader.load(CommandPlugin.class)) {
            plugin.commands().forEach(cli::addSubcommand);
        }
        return cli;
    }

    /** A command line for {@code command}, reading the choice types (optimizer, schedule, ...) by their labels. */
    static CommandLine commandLine(Object command) {
        CommandLine cli = new CommandLine(command)
                .registerConverter(TrainConfig.Optimizer.class, choice(TrainConfig.Optimizer::parse))
                .registerConverter(TrainConfig.Schedule.class, choice(TrainConfig.Schedule::parse))
                .registerConverter(Normalization.Method.class, choice(Normalization.Method::parse))
                .registerConverter(Devices.Choice.class, choice(Devices.Choice::parse));
        CommandLine train = command instanceof TrainCommand ? cli : cli.getSubcommands().get("train");
        if (train != null) {
            TrainCommand.listRecipes(train.getCommandSpec());
        }
        return cli;
    }

    private static <T> CommandLine.ITypeConverter<T> choice(Function<String, T> parse) {
        return text -> {
            try {
                return parse.apply(text);
            } catch (BadSetting e) {
                throw new CommandLine.TypeConversionException(e.problem());
            }
        };
    }

    /** Progress and provenance messages go to standard error, so standard output stays parseable. */
    public static void info(String message) {
        System.err.println("digitlab: " + message);
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"digitlab " + Version.VERSION};
        }
    }
}
