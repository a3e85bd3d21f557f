package dev.digitlab.cli;

import dev.digitlab.DigitlabException;
import dev.digitlab.data.DataFolder;
import dev.digitlab.data.Dataset;
import dev.digitlab.eval.Learning;
import dev.digitlab.model.ModelFolder;
import dev.digitlab.train.LearnConfig;
import dev.digitlab.serve.Limits;
import dev.digitlab.serve.ModelVersions;
import dev.digitlab.serve.ModelPool;
import dev.digitlab.serve.Server;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serve the drawing page and the prediction API.",
                "Without --model it serves the model that ships in models/ (best, else lenet5)."})
class ServeCommand implements Callable<Integer> {
    @Option(names = "--model", paramLabel = "DIR", description = "a saved model folder; repeat to offer several in a picker")
    List<Path> models = new ArrayList<>();

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "address to bind (default: ${DEFAULT-VALUE})")
    String host;

    @Option(names = "--port", defaultValue = "8080", description = "port, 0 for any free one (default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--workers", defaultValue = "2", description = "predictors per model, the requests served at once (default: ${DEFAULT-VALUE})")
    int workers;

    @Option(names = "--feedback", paramLabel = "CSV", description = "where feedback drawings go (default: feedback.csv in the data folder of the first model's data set)")
    Path feedback;

    @Option(names = "--runs", paramLabel = "DIR", description = "the training runs the Training page lists and follows (default: ${DEFAULT-VALUE})")
    Path runs = Path.of("runs");

    @Option(names = "--allowed-host", paramLabel = "NAME", description = {"a name the server may be reached by besides its address, "
            + "localhost and 127.0.0.1 (a proxy's or the machine's name); repeatable.",
            "Requests naming another host get 421: a web page cannot reach the server through a name of its own (DNS rebinding)"})
    List<String> allowedHosts = new ArrayList<>();

    @Option(names = "--feedback-max-rows", paramLabel = "N", description = "rows the feedback CSV may hold; beyond them feedback is refused with 507 (default: ${DEFAULT-VALUE})")
    long feedbackMaxRows = Limits.DEFAULT.feedbackMaxRows();

    @Option(names = "--max-event-streams", paramLabel = "N", description = "Training page event streams open at once; beyond them 503 (default: ${DEFAULT-VALUE})")
    int maxEventStreams = Limits.DEFAULT.maxEventStreams();

    @Option(names = "--learn", description = {"learn from the feedback while serving: after every --learn-every new rows, fine-tune "
            + "the live model in the background (as 'digitlab learn' does) and put the result live if the guard promotes it; "
            + "versions v1, v2, ... are kept in --versions. One --model only"})
    boolean learn;

    /** Feedback rows between learns unless --learn-every says otherwise: a few games' worth, some minutes of play. */
    static final int LEARN_EVERY = 100;

    @Option(names = "--learn-every", paramLabel = "N", description = "with --learn: new feedback rows between learns, "
            + Learning.MIN_ROWS + " or more (default: " + LEARN_EVERY + ")")
    Integer learnEvery; // null: not given

    @Option(names = "--versions", paramLabel = "DIR", description = "with --learn: where the model's versions are kept, and "
            + "found again after a restart (default: versions/<model's folder name>)")
    Path versionsDir;

    @Override
    public Integer call() throws InterruptedException {
        if (workers < 1 || workers > 64) {
            throw new DigitlabException("--workers must be 1-64, got " + workers);
        }
        if (feedbackMaxRows < 0) {
            throw new DigitlabException("--feedback-max-rows must be 0 or more, got " + feedbackMaxRows);
        }
        if (maxEventStreams < 1 || maxEventStreams > 10_000) {
            throw new DigitlabException("--max-event-streams must be 1-10000, got " + maxEventStreams);
        }
        Limits limits = Limits.DEFAULT.withAllowedHosts(allowedHosts).withFeedbackMaxRows(feedbackMaxRows)
                .withMaxEventStreams(maxEventStreams);
        List<Path> dirs = models.isEmpty() ? List.of(shippedModel()) : models;
        Path feedbackFile = feedback != null ? feedback : DataFolder.defaultDir(datasetOf(dirs.get(0))).resolve("feedback.csv");
        if (!"127.0.0.1".equals(host) && !"localhost".equals(host)) {
            Main.info("warning: --host " + host + " makes the server reachable from other machines");
        }
        ModelVersions versions = null;
        String name = dirs.get(0).toAbsolutePath().normalize().getFileName().toString();
        if (learn) {
            if (dirs.size() > 1) {
                throw new DigitlabException("--learn learns one model; give one --model");
            }
            learnEvery = learnEvery == null ? LEARN_EVERY : learnEvery;
            if (learnEvery < Learning.MIN_ROWS || learnEvery > Math.max(Learning.MIN_ROWS, feedbackMaxRows)) {
                throw new DigitlabException("--learn-every must be " + Learning.MIN_ROWS + " to --feedback-max-rows ("
                        + feedbackMaxRows + "), got " + learnEvery);
            }
            Learning.learnable(dirs.get(0)); // before anything is copied
            versions = ModelVersions.open(versionsDir != null ? versionsDir : Path.of("versions", name), dirs.get(0));
        } else if (versionsDir != null || learnEvery != null) {
            throw new DigitlabException("--versions and --learn-every go with --learn");
        }
        ModelPool pool = versions == null ? new ModelPool(dirs, workers) : new ModelPool(name, versions.livePath(), workers);
        Server server = new Server(pool, feedbackFile, runs, limits);
        if (versions != null) {
            Dataset dataset = datasetOf(versions.livePath());
            Path dataDir = DataFolder.defaultDir(dataset);
            server.learning(name, versions, () -> {
                DataFolder.ensure(dataset, dataDir, List.of(), Main::info);
                return DataFolder.load(dataset, dataDir);
            }, learnEvery, LearnConfig.DEFAULT, Main::info);
            Main.info("learning from " + feedbackFile + " after every " + learnEvery + " new rows; versions in "
                    + versions.dir() + ", " + versions.live() + " live");
        }
        try {
            server.start(host, port);
        } catch (RuntimeException e) {
            server.close();
            throw new DigitlabException("cannot listen on " + host + ":" + port + " (" + e.getMessage() + ")");
        }
        System.out.println("digitlab is serving " + pool.entries().stream().map(ModelPool.Entry::name).toList()
                + " at http://" + host + ":" + server.port() + "/  (Ctrl+C stops it)");
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stop.countDown();
        }));
        stop.await();
        return 0;
    }

    /** The data set a model (or an ensemble's first member) was trained on: its feedback belongs with that data. */
    static Dataset datasetOf(Path model) {
        String id = Objects.requireNonNullElse(ModelFolder.readSidecar(ModelFolder.members(model).get(0)).dataset(), "mnist");
        return Dataset.parse(id);
    }

    /** models/best, else models/lenet5, next to the launcher (or in the working folder). */
    static Path shippedModel() {
        String home = System.getProperty("digitlab.home", ".");
        for (String name : List.of("best", "lenet5")) {
            Path dir = Path.of(home, "models", name);
            if (ModelFolder.isModel(dir) || ModelFolder.isEnsemble(dir)) {
                return dir;
            }
        }
        throw new DigitlabException("no model ships in " + Path.of(home, "models").toAbsolutePath().normalize()
                + "; train one with './digitlab train' and serve it with 'digitlab serve --model runs/lenet5'");
    }
}
