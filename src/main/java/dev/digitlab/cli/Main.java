package dev.digitlab.cli;

import dev.digitlab.DigitlabException;
import dev.digitlab.Version;
import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "digitlab", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        description = "Train, evaluate, explain and serve handwritten-digit classifiers.",
        subcommands = {FetchCommand.class, DataCommand.class, SummaryCommand.class, TrainCommand.class,
                ExperimentCommand.class, EvaluateCommand.class, PredictCommand.class, KaggleCommand.class, ReportCommand.class,
                ServeCommand.class,
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
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof DigitlabException) {
                cmd.getErr().println("digitlab: error: " + e.getMessage());
                return 1;
            }
            throw e;
        });
        return cli.execute(args);
    }

    /** Progress and provenance messages go to standard error, so standard output stays parseable. */
    static void info(String message) {
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
