package dev.digitlab.cli;

import dev.digitlab.BadSetting;
import dev.digitlab.DigitlabException;
import dev.digitlab.data.Augmentation;
import dev.digitlab.data.DataFolder;
import dev.digitlab.data.Digits;
import dev.digitlab.data.KaggleCsv;
import dev.digitlab.data.Normalization;
import dev.digitlab.eval.Ensembles;
import dev.digitlab.eval.ModelStudy;
import dev.digitlab.model.Devices;
import dev.digitlab.model.ModelFolder;
import dev.digitlab.model.Models;
import dev.digitlab.report.Report;
import dev.digitlab.serve.Dashboard;
import dev.digitlab.train.Ensemble;
import dev.digitlab.train.EventLog;
import dev.digitlab.train.ProgressBars;
import dev.digitlab.train.Recipes;
import dev.digitlab.train.RunFolder;
import dev.digitlab.train.SeededRuns;
import dev.digitlab.train.TensorBoardLog;
import dev.digitlab.train.TrainConfig;
import dev.digitlab.train.Trainer;
import dev.digitlab.train.TrainingListener;
import dev.digitlab.train.TrainingLog;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
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
    private static final TrainConfig DEFAULT = TrainConfig.DEFAULT;

    @Spec
    CommandSpec spec;

    @Option(names = "--recipe", completionCandidates = RecipeNames.class, paramLabel = "NAME",
            description = "start from a named recipe (listed below); the options given beside it change its settings "
                    + "one by one (default: ${DEFAULT-VALUE})")
    String recipe = DEFAULT.recipe();

    @Option(names = "--model", completionCandidates = ZooNames.class, description = "${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE})")
    String model = DEFAULT.model();

    @Option(names = "--epochs", description = "passes over the training data; 0 keeps the untrained network, a baseline "
            + "(default: ${DEFAULT-VALUE}); also --num-epochs, as train.py names it")
    int epochs = DEFAULT.epochs();

    @Option(names = "--batch-size", description = "images per step (default: ${DEFAULT-VALUE})")
    int batchSize = DEFAULT.batchSize();

    @Option(names = "--lr", description = "learning rate (peak rate for onecycle) (default: ${DEFAULT-VALUE}); also --learning-rate, as train.py names it")
    double lr = DEFAULT.lr();

    @Option(names = "--optimizer", description = "adam or sgd (default: ${DEFAULT-VALUE})")
    TrainConfig.Optimizer optimizer = DEFAULT.optimizer();

    @Option(names = "--momentum", description = "SGD momentum (default: ${DEFAULT-VALUE})")
    double momentum = DEFAULT.momentum();

    @Option(names = "--weight-decay", description = "L2 weight decay (default: ${DEFAULT-VALUE})")
    double weightDecay = DEFAULT.weightDecay();

    @Option(names = "--beta1", description = "Adam beta1 (default: ${DEFAULT-VALUE})")
    double beta1 = DEFAULT.beta1();

    @Option(names = "--beta2", description = "Adam beta2 (default: ${DEFAULT-VALUE})")
    double beta2 = DEFAULT.beta2();

    @Option(names = "--lr-schedule", description = "none, step, cosine or onecycle (default: ${DEFAULT-VALUE})")
    TrainConfig.Schedule lrSchedule = DEFAULT.lrSchedule();

    @Option(names = "--lr-step-epochs", description = "step schedule: epochs between drops (default: ${DEFAULT-VALUE})")
    int stepEpochs = DEFAULT.stepEpochs();

    @Option(names = "--lr-gamma", description = "step schedule: factor per drop (default: ${DEFAULT-VALUE})")
    double gamma = DEFAULT.gamma();

    @Option(names = "--val-split", description = "fraction of the training data kept for validation (default: ${DEFAULT-VALUE})")
    double valSplit = DEFAULT.valSplit();

    @Option(names = "--seed", description = "seed for weights, split, order and dropout (default: ${DEFAULT-VALUE})")
    long seed = DEFAULT.seed();

    @Option(names = "--normalize", description = "mnist (the training set's own mean/std), half (0.5/0.5) or none (default: ${DEFAULT-VALUE})")
    Normalization.Method normalize = DEFAULT.normalize();

    @Option(names = "--patience", description = "stop after this many epochs without a better validation loss; 0 = never (default: ${DEFAULT-VALUE})")
    int patience = DEFAULT.patience();

    @Option(names = "--device", description = "cpu, gpu or auto (default: ${DEFAULT-VALUE})")
    Devices.Choice device = DEFAULT.device();

    @Option(names = "--limit", description = "train on the first N training images only; 0 = all (default: ${DEFAULT-VALUE})")
    int limit = DEFAULT.limit();

    @Option(names = "--augment", negatable = true,
            description = "warp every training image at random each epoch (see --rotate, --zoom, --shift); --no-augment turns a recipe's off")
    boolean augment;

    @Option(names = "--rotate", description = "with --augment: largest rotation in degrees (default: ${DEFAULT-VALUE})")
    double rotate = Augmentation.DEFAULT.rotate();

    @Option(names = "--zoom", description = "with --augment: largest zoom in or out, as a fraction (default: ${DEFAULT-VALUE})")
    double zoom = Augmentation.DEFAULT.zoom();

    @Option(names = "--shift", description = "with --augment: largest shift, as a fraction of the side (default: ${DEFAULT-VALUE})")
    double shift = Augmentation.DEFAULT.shift();

    // train.py's names, kept apart from --epochs and --lr so that every message names the option the user typed
    @Option(names = "--num-epochs", hidden = true)
    Integer numEpochs;

    @Option(names = "--learning-rate", hidden = true)
    Double learningRate;

    @Option(names = "--flip", description = "with --augment: also mirror half the images left to right (the fifth write-up's "
            + "try; off by default, since a mirrored digit is often no digit)")
    boolean flip;

    @Option(names = "--ensemble", defaultValue = "1", paramLabel = "N",
            description = "train N models (seeds --seed, --seed + 1, ...) into DIR/member-1..N and average them; finished members are kept")
    int ensemble;

    @Option(names = "--data", paramLabel = "CSV", description = "train from a Kaggle 'digit recognizer' train.csv instead of the IDX files")
    Path dataFile;

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
            lines.add(String.format("  %-9s %s", r.name(), r.measured()));
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
        List<TrainingListener> l = new ArrayList<>(List.of(new TrainingLog(Main::info)));
        if (events || dashboard != null) {
            l.add(new EventLog(dir));
        }
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
    static String kept(Path dir, Trainer.Result r, TrainConfig config) {
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
            var m = ModelFolder.readSidecar(best).metrics();
            int epoch = m.path("epoch").asInt();
            sb.append(epoch == last ? "; best/ is the same epoch (lowest " + watched + ")"
                    : String.format("; best/ holds epoch %d (lowest %s)%s", epoch, watched,
                    m.path("testAccuracy").isNumber() ? String.format(", test accuracy %.2f%%", 100 * m.get("testAccuracy").asDouble()) : ""));
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
     * that names it when that option was given, and by no other.
     */
    TrainConfig config() {
        TrainConfig base = Recipes.get(recipe).config();
        Set<String> named = Flags.given(spec.commandLine().getParseResult());
        boolean warp = named.contains("augment") ? augment : base.augmentation() != null;
        if (flip && !warp) {
            throw new DigitlabException("--flip mirrors images as part of --augment; give both");
        }
        Augmentation from = base.augmentation() != null ? base.augmentation() : Augmentation.DEFAULT;
        Augmentation augmentation = !warp ? null : new Augmentation(named.contains("rotate") ? rotate : from.rotate(),
                named.contains("zoom") ? zoom : from.zoom(), named.contains("shift") ? shift : from.shift(),
                named.contains("flip") ? flip : from.flip());
        TrainConfig requested = TrainConfig.builder().model(model).dataset(data.dataset().id())
                .dataFile(dataFile == null ? null : dataFile.toString())
                .epochs(lastGiven("--epochs", epochs, "--num-epochs", numEpochs)).batchSize(batchSize)
                .lr(lastGiven("--lr", lr, "--learning-rate", learningRate))
                .optimizer(optimizer).momentum(momentum).weightDecay(weightDecay)
                .beta1(beta1).beta2(beta2).lrSchedule(lrSchedule).stepEpochs(stepEpochs).gamma(gamma).valSplit(valSplit)
                .seed(seed).normalize(normalize).patience(patience).device(device).limit(limit)
                .augmentation(augmentation).recipe(recipe).build();
        Set<String> taken = new TreeSet<>(given());
        taken.addAll(Set.of("dataset", "dataFile", "augmentation")); // the data is no recipe's; the warp is worked out above
        return base.with(requested, taken);
    }

    /** Of two names for one setting, the value of the one given last (an experiment variant's wins over its base's). */
    private <T> T lastGiven(String name, T value, String alias, T aliasValue) {
        List<String> args = spec.commandLine().getParseResult().originalArgs();
        return aliasValue != null && lastIndex(args, alias) > lastIndex(args, name) ? aliasValue : value;
    }

    /** Where {@code option} (also as {@code option=value}) is given last in {@code args}, or -1. */
    static int lastIndex(List<String> args, String option) {
        for (int i = args.size() - 1; i >= 0; i--) {
            if (args.get(i).equals(option) || args.get(i).startsWith(option + "=")) {
                return i;
            }
        }
        return -1;
    }

    /** The configuration's settings that were named on the command line (the warp's three belong to augmentation). */
    Set<String> given() {
        Set<String> given = new TreeSet<>();
        for (String field : Flags.given(spec.commandLine().getParseResult())) {
            given.add(setting(field));
        }
        return given;
    }

    /** The training setting an option's field sets: itself, or augmentation for the warp's parts, train.py's aliases. */
    static String setting(String field) {
        return Set.of("augment", "rotate", "zoom", "shift", "flip").contains(field) ? "augmentation"
                : Map.of("numEpochs", "epochs", "learningRate", "lr").getOrDefault(field, field);
    }

    /**
     * The configuration this command trains: the options as given for a new run; for a run or an ensemble that is
     * continued, the configuration it was started with, changed only by options given explicitly.
     */
    private TrainConfig resolve(Path dir) {
        TrainConfig requested = config();
        Path savedIn = resume != null ? resume : ensemble > 1 ? dir.resolve(Ensemble.memberName(1)) : null;
        TrainConfig saved = savedIn == null ? null : RunFolder.savedConfig(savedIn);
        if (saved == null) {
            requested.validate();
            Models.create(requested.model()); // unknown names fail before any data is read
            return requested;
        }
        String what = resume != null ? "the run in " + resume : "the ensemble in " + dir;
        // a recipe named now would bring its settings along unseen: a continued run keeps the one it started from
        BadSetting.check(!given().contains("recipe") || recipe.equals(saved.recipe()), "recipe", "cannot change when " + what
                + " continues (it was started " + (saved.recipe() == null ? "without a named recipe" : "with " + saved.recipe())
                + "); give the settings to change one by one, or start a new run");
        return saved.continuedWith(requested, given(), what);
    }

    @Override
    public Integer call() throws Exception {
        Path dir = resume != null ? resume : out != null ? out : freshRunFolder(config().model());
        if (resume != null && !Files.isDirectory(resume)) {
            throw new DigitlabException(resume + ": no such run folder to resume");
        }
        TrainConfig config = resolve(dir);
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
        RunFolder folder = resume != null ? RunFolder.resume(dir, config) : RunFolder.fresh(dir);
        if (resume != null && folder.checkpoint() == null) {
            Main.info("no checkpoint in " + dir + " yet (stopped before its first save); starting from epoch 1");
        }
        List<TrainingListener> listeners = new ArrayList<>(runListeners(dir, bar));
        listeners.add(folder);
        Trainer.Result r;
        try (Dashboard d = startDashboard(dir.toAbsolutePath().getParent(), dir.getFileName().toString())) {
            r = Trainer.run(config, training, test, folder.checkpoint(), listeners);
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
