package dev.digitlab.cli;

import dev.digitlab.DigitlabException;
import dev.digitlab.data.DataFolder;
import dev.digitlab.data.Digits;
import dev.digitlab.data.KaggleCsv;
import dev.digitlab.eval.Ensembles;
import dev.digitlab.eval.ModelStudy;
import dev.digitlab.model.Metrics;
import dev.digitlab.model.ModelFolder;
import dev.digitlab.model.Models;
import dev.digitlab.serve.Dashboard;
import dev.digitlab.train.Ensemble;
import dev.digitlab.train.Listeners;
import dev.digitlab.train.ProgressBars;
import dev.digitlab.train.Recipes;
import dev.digitlab.train.RunFolder;
import dev.digitlab.train.SeededRuns;
import dev.digitlab.train.TensorBoardLog;
import dev.digitlab.train.TrainConfig;
import dev.digitlab.train.TrainingListener;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a model, one line per epoch, a checkpoint after each; the defaults are LeNet-5 with Adam.",
                "The output folder gets model.json + model.params (last epoch), best/ (the epoch with the lowest validation "
                + "loss, or training loss without a validation split), history.json, history.csv and checkpoint.zip."})
class TrainCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    TrainingOptions settings;

    @Option(names = "--ensemble", defaultValue = "1", paramLabel = "N",
            description = "train N models (seeds --seed, --seed + 1, ...) into DIR/member-1..N and average them; finished members are kept")
    int ensemble;

    @Option(names = "--out", paramLabel = "DIR", description = "output folder (default: runs/<model>, or runs/<model>-2, -3, ... if taken)")
    Path out;

    @Option(names = "--resume", paramLabel = "DIR", description = "continue the run in DIR from its checkpoint, with the settings it was started with "
            + "(an explicit --epochs may raise its epoch count; --patience and --device may change)")
    Path resume;

    @Option(names = "--progress", negatable = true, description = "progress bar per epoch (default: on when the console is a terminal)")
    Boolean progress;

    @Option(names = "--report", description = "write the HTML report (digitlab report) into DIR/report when training ends")
    boolean report;

    @Option(names = "--dashboard", arity = "0..1", fallbackValue = "8090", paramLabel = "PORT",
            description = "watch the run live in the browser at http://127.0.0.1:PORT/training.html (default port: ${FALLBACK-VALUE})")
    Integer dashboard;

    @Option(names = "--allowed-host", paramLabel = "NAME", description = "with --dashboard: a name the page may be reached by besides 127.0.0.1 and localhost; repeatable")
    List<String> allowedHosts = new ArrayList<>();

    @Option(names = "--events", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "write DIR/events.jsonl, which the dashboard and serve's Training page follow (default: on)")
    boolean events = true;

    @Option(names = "--tensorboard", paramLabel = "DIR", description = "also write TensorBoard event files into DIR (tensorboard --logdir DIR)")
    Path tensorboard;

    @Option(names = "--tsne-points", description = "with --report: test images in each t-SNE (default: ${DEFAULT-VALUE})")
    int tsnePoints = ModelStudy.Options.DEFAULT.tsnePoints();

    @Mixin
    DataOptions data;

    /** Lists the recipes under train's help, each with what it measured. */
    static void listRecipes(CommandSpec train) {
        List<String> lines = new ArrayList<>();
        for (Recipes.Recipe r : Recipes.all()) {
            lines.add(String.format("  %-9s %s", r.name(), r.measured()).replace("%", "%%")); // picocli formats the footer
        }
        train.usageMessage().footerHeading("%nRecipes (--recipe NAME; measured on 2 cores, docs/RESULTS.md has the commands):%n")
                .footer(lines.toArray(String[]::new));
    }

    /** Trains (or keeps) each member, then writes DIR/ensemble.json with the members' and the ensemble's test figures. */
    private int trainEnsemble(TrainConfig config, Digits training, Digits test, Path dir, boolean bar) throws Exception {
        if (ensemble < 2 || resume != null || report) {
            throw new DigitlabException(ensemble < 2 ? "--ensemble must be at least 2 (or 1 for one model), got " + ensemble
                    : "--ensemble continues by itself when run again: leave out --resume and --report");
        }
        List<SeededRuns.Run> members;
        try (Dashboard d = startDashboard(dir, Ensemble.memberName(1))) {
            members = Ensemble.train(config, ensemble, training, test, dir, member -> runListeners(member, bar), Main::info);
        }
        Ensembles.Figures all = Ensembles.write(dir, members.stream().map(m -> Ensemble.memberName(m.k())).toList(), test);
        if (all != null) {
            for (SeededRuns.Run m : members) {
                System.out.printf("member %d: test loss %.4f  test accuracy %.2f%%%n", m.k(), m.testLoss(), 100 * m.testAccuracy());
            }
            System.out.printf("ensemble of %d: test loss %.4f  test accuracy %.2f%%  (%d images)%n", ensemble,
                    all.loss(), 100 * all.accuracy(), test.size());
        }
        System.out.println("saved the ensemble in " + dir + " (" + dir.resolve(ModelFolder.ENSEMBLE) + ")");
        return 0;
    }

    /**
     * The listeners for a run in {@code dir}: the epoch lines, the live event log the dashboard follows, TensorBoard
     * files when asked (one folder per run), a progress bar when asked.
     */
    private List<TrainingListener> runListeners(Path dir, boolean bar) {
        List<TrainingListener> l = new ArrayList<>(Listeners.logging(dir, Main::info, events || dashboard != null));
        if (tensorboard != null) {
            l.add(new TensorBoardLog(ensemble > 1 ? tensorboard.resolve(dir.getFileName().toString()) : tensorboard));
        }
        if (bar) {
            l.add(new ProgressBars());
        }
        return l;
    }

    /** The dashboard for the runs under {@code root}, or null (with a line saying why) when it cannot start. */
    private Dashboard startDashboard(Path root, String run) {
        if (dashboard == null) {
            return null;
        }
        Dashboard d = new Dashboard(root, allowedHosts);
        try {
            int port = d.start("127.0.0.1", dashboard);
            Main.info("dashboard at http://127.0.0.1:" + port + "/training.html?run=" + run);
            return d;
        } catch (RuntimeException e) {
            d.close();
            Main.info("the dashboard could not start on 127.0.0.1:" + dashboard + " (" + rootCause(e)
                    + "); training goes on without it");
            return null;
        }
    }

    private static String rootCause(Throwable e) {
        while (e.getCause() != null) {
            e = e.getCause();
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /**
     * Which model the run keeps and how good it is: the last epoch's at the folder's root (what --model DIR uses),
     * and the best one by the watched loss in best/, when that is another epoch.
     */
    static String kept(Path dir, SeededRuns.Run r, TrainConfig config) {
        if (r.history().isEmpty()) {
            return String.format("kept: the untrained network (no epochs: a baseline) in %s%s", dir, Double.isNaN(r.testAccuracy())
                    ? "" : String.format(", test accuracy %.2f%%", 100 * r.testAccuracy()));
        }
        int last = r.history().get(r.history().size() - 1).epoch();
        String watched = config.valSplit() > 0 ? "validation loss" : "training loss";
        StringBuilder sb = new StringBuilder("kept: the last epoch's model (epoch " + last + ") in " + dir);
        if (!Double.isNaN(r.testAccuracy())) {
            sb.append(String.format(", test accuracy %.2f%%", 100 * r.testAccuracy()));
        }
        Path best = dir.resolve("best");
        if (ModelFolder.isModel(best)) {
            Metrics m = ModelFolder.readSidecar(best).metrics();
            int epoch = m.epoch();
            sb.append(epoch == last ? "; best/ is the same epoch (lowest " + watched + ")"
                    : String.format("; best/ holds epoch %d (lowest %s)%s", epoch, watched,
                    m.isTested() ? String.format(", test accuracy %.2f%%", 100 * m.testAccuracy()) : ""));
        }
        return sb.toString();
    }

    /** What to do with the model next, with its folder filled in. */
    static String nextSteps(Path dir) {
        String d = dir.toString().contains(" ") ? "'" + dir + "'" : dir.toString();
        return String.join(System.lineSeparator(), "next:",
                "  ./digitlab report --model " + d + "     # one HTML page: curves, confusion matrix, feature maps, t-SNE",
                "  ./digitlab serve --model " + d + "      # draw digits at http://127.0.0.1:8080/",
                "  ./digitlab predict --model " + d + " your-digit.png");
    }

    /** runs/MODEL, or the first of runs/MODEL-2, -3, ... not yet used, so the default never collides. */
    static Path freshRunFolder(String model) {
        Path dir = Path.of("runs", model);
        for (int i = 2; Files.exists(dir); i++) {
            dir = Path.of("runs", model + "-" + i);
        }
        return dir;
    }

    /**
     * The options as a training configuration (not yet validated): the recipe's settings, each changed by the option
     * that names it when that option was given, and by no other; the data set always the command's.
     */
    TrainConfig config() {
        Map<String, Object> changes = new LinkedHashMap<>(given());
        changes.put("dataset", data.dataset().id());
        return settings.recipe().with(changes);
    }

    /** The training settings named on the command line, with their values. */
    Map<String, Object> given() {
        CommandLine.ParseResult parsed = spec.commandLine().getParseResult();
        Map<String, Object> given = settings.given(parsed, settings.recipe().augmentation());
        if (Flags.given(parsed).contains("dataset")) {
            given.put("dataset", data.dataset().id());
        }
        return given;
    }

    /**
     * The configuration this command trains: the options as given for a new run; for a run or an ensemble that is
     * continued (what {@code found} holds), the configuration it was started with, changed only by options given.
     */
    private TrainConfig resolve(RunFolder.Found found, Path dir) {
        if (found.config() == null || (resume == null && ensemble == 1)) {
            TrainConfig requested = config().validate();
            Models.create(requested.model()); // unknown names fail before any data is read
            return requested;
        }
        return found.config().continuedWith(given(), resume != null ? "the run in " + resume : "the ensemble in " + dir);
    }

    @Override
    public Integer call() throws Exception {
        Path dir = resume != null ? resume : out != null ? out : freshRunFolder(config().model());
        if (resume != null && !Files.isDirectory(resume)) {
            throw new DigitlabException(resume + ": no such run folder to resume");
        }
        RunFolder.Found found = RunFolder.open(resume == null && ensemble > 1 ? dir.resolve(Ensemble.memberName(1)) : dir);
        if (resume == null && ensemble == 1) {
            found.fresh(); // a new run: refused where one was started
        }
        TrainConfig config = resolve(found, dir);
        data.dataset = config.dataset();
        Digits training;
        Digits test = null;
        if (config.dataFile() != null) {
            Path csv = Path.of(config.dataFile());
            training = KaggleCsv.read(csv, data.dataset().classNames());
            if (!training.hasLabels()) {
                throw new DigitlabException(csv + ": has no label column; train --data needs a Kaggle train.csv");
            }
        } else {
            long t0 = System.nanoTime();
            double jvmUp = ManagementFactory.getRuntimeMXBean().getUptime() / 1000.0;
            DataFolder.TrainTest tt = data.load();
            training = tt.train();
            test = tt.test();
            Main.info(String.format("read %d training and %d test images in %.2f s (the JVM had been up %.2f s)",
                    training.size(), test.size(), (System.nanoTime() - t0) / 1e9, jvmUp));
        }
        boolean bar = progress != null ? progress : System.console() != null;
        if (ensemble != 1) {
            return trainEnsemble(config, training, test, dir, bar);
        }
        SeededRuns.Run r;
        try (Dashboard d = startDashboard(dir.toAbsolutePath().getParent(), dir.getFileName().toString())) {
            r = SeededRuns.one(config, 1, found, training, test, new SeededRuns.Hooks() {
                @Override
                public void before(int k, TrainConfig c, Path run, boolean kept) {
                    if (kept) {
                        Main.info("the run in " + run + " is finished (" + found.sidecar().metrics().epoch() + " epochs); kept as it is");
                    } else if (resume != null && found.checkpoint() == null) {
                        Main.info("no checkpoint in " + dir + " yet (stopped before its first save); starting from epoch 1");
                    }
                }

                @Override
                public List<TrainingListener> listeners(int k, Path run) {
                    return runListeners(run, bar);
                }
            });
        }
        if (test != null) {
            System.out.printf("test loss %.4f  test accuracy %.2f%%  (%d images)%n", r.testLoss(), 100 * r.testAccuracy(), test.size());
        }
        System.out.println(kept(dir, r, config));
        if (report) {
            if (test == null) {
                throw new DigitlabException("--report needs a labelled test set; it cannot be used with --data");
            }
            System.out.println("wrote " + ReportCommand.write(dir, null, data, new ModelStudy.Options(0, tsnePoints, config.seed())));
        }
        System.out.println(nextSteps(dir));
        return 0;
    }
}
