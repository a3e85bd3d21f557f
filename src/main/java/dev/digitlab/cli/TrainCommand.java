package dev.digitlab.cli;

import dev.digitlab.DigitlabException;
import dev.digitlab.data.Augmentation;
import dev.digitlab.data.DataFolder;
import dev.digitlab.data.Digits;
import dev.digitlab.data.KaggleCsv;
import dev.digitlab.eval.Classifier;
import dev.digitlab.model.Inference;
import dev.digitlab.model.ModelFolder;
import dev.digitlab.model.Models;
import dev.digitlab.report.Report;
import dev.digitlab.train.Ensemble;
import dev.digitlab.train.TrainConfig;
import dev.digitlab.train.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a model, one line per epoch, a checkpoint after each; the defaults are LeNet-5 with Adam.",
                "The output folder gets model.json + model.params (last epoch), best/ (best validation loss),",
                "history.json, history.csv and checkpoint.zip."})
class TrainCommand implements Callable<Integer> {
    @Option(names = "--model", defaultValue = "lenet5", description = "lenet5, bn-cnn, dropout-cnn, deep-cnn, mlp, fast-cnn or best (default: ${DEFAULT-VALUE})")
    String model;

    @Option(names = "--epochs", defaultValue = "5", description = "passes over the training data (default: ${DEFAULT-VALUE})")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "32", description = "images per step (default: ${DEFAULT-VALUE})")
    int batchSize;

    @Option(names = "--lr", defaultValue = "1e-3", description = "learning rate (peak rate for onecycle) (default: ${DEFAULT-VALUE})")
    double lr;

    @Option(names = "--optimizer", defaultValue = "adam", description = "adam or sgd (default: ${DEFAULT-VALUE})")
    String optimizer;

    @Option(names = "--momentum", defaultValue = "0.9", description = "SGD momentum (default: ${DEFAULT-VALUE})")
    double momentum;

    @Option(names = "--weight-decay", defaultValue = "0", description = "L2 weight decay (default: ${DEFAULT-VALUE})")
    double weightDecay;

    @Option(names = "--beta1", defaultValue = "0.9", description = "Adam beta1 (default: ${DEFAULT-VALUE})")
    double beta1;

    @Option(names = "--beta2", defaultValue = "0.999", description = "Adam beta2 (default: ${DEFAULT-VALUE})")
    double beta2;

    @Option(names = "--lr-schedule", defaultValue = "none", description = "none, step, cosine or onecycle (default: ${DEFAULT-VALUE})")
    String lrSchedule;

    @Option(names = "--lr-step-epochs", defaultValue = "3", description = "step schedule: epochs between drops (default: ${DEFAULT-VALUE})")
    int stepEpochs;

    @Option(names = "--lr-gamma", defaultValue = "0.1", description = "step schedule: factor per drop (default: ${DEFAULT-VALUE})")
    double gamma;

    @Option(names = "--val-split", defaultValue = "0.2", description = "fraction of the training data kept for validation (default: ${DEFAULT-VALUE})")
    double valSplit;

    @Option(names = "--seed", defaultValue = "1", description = "seed for weights, split, order and dropout (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--normalize", defaultValue = "mnist", description = "mnist (the training set's own mean/std), half (0.5/0.5) or none (default: ${DEFAULT-VALUE})")
    String normalize;

    @Option(names = "--patience", defaultValue = "0", description = "stop after this many epochs without a better validation loss; 0 = never (default: ${DEFAULT-VALUE})")
    int patience;

    @Option(names = "--device", defaultValue = "auto", description = "cpu, gpu or auto (default: ${DEFAULT-VALUE})")
    String device;

    @Option(names = "--limit", defaultValue = "0", description = "train on the first N training images only; 0 = all (default: ${DEFAULT-VALUE})")
    int limit;

    @Option(names = "--augment", description = "warp every training image at random each epoch (see --rotate, --zoom, --shift)")
    boolean augment;

    @Option(names = "--rotate", defaultValue = "10", description = "with --augment: largest rotation in degrees (default: ${DEFAULT-VALUE})")
    double rotate;

    @Option(names = "--zoom", defaultValue = "0.1", description = "with --augment: largest zoom in or out, as a fraction (default: ${DEFAULT-VALUE})")
    double zoom;

    @Option(names = "--shift", defaultValue = "0.1", description = "with --augment: largest shift, as a fraction of the side (default: ${DEFAULT-VALUE})")
    double shift;

    @Option(names = "--ensemble", defaultValue = "1", paramLabel = "N",
            description = "train N models (seeds --seed, --seed + 1, ...) into DIR/member-1..N and average them; finished members are kept")
    int ensemble;

    @Option(names = "--data", paramLabel = "CSV", description = "train from a Kaggle 'digit recognizer' train.csv instead of the IDX files")
    Path dataFile;

    @Option(names = "--out", paramLabel = "DIR", description = "output folder (default: runs/<model>, or runs/<model>-2, -3, ... if taken)")
    Path out;

    @Option(names = "--resume", paramLabel = "DIR", description = "continue the run in DIR from its checkpoint (--epochs may raise its epoch count)")
    Path resume;

    @Option(names = "--progress", negatable = true, description = "progress bar per epoch (default: on when the console is a terminal)")
    Boolean progress;

    @Option(names = "--report", description = "write the HTML report (digitlab report) into DIR/report when training ends")
    boolean report;

    @Option(names = "--tsne-points", defaultValue = "2000", description = "with --report: test images in each t-SNE (default: ${DEFAULT-VALUE})")
    int tsnePoints;

    @Mixin
    DataOptions data;

    /** Trains (or keeps) each member, then writes DIR/ensemble.json with the members' and the ensemble's test figures. */
    private int trainEnsemble(TrainConfig config, Digits training, Digits test, Path dir, boolean bar) throws Exception {
        if (ensemble < 2 || resume != null || report) {
            throw new DigitlabException(ensemble < 2 ? "--ensemble must be at least 2 (or 1 for one model), got " + ensemble
                    : "--ensemble continues by itself when run again: leave out --resume and --report");
        }
        List<Ensemble.Member> members = Ensemble.train(config, ensemble, training, test, dir, bar, Main::info);
        List<String> names = members.stream().map(Ensemble.Member::name).toList();
        Map<String, Object> metrics = new LinkedHashMap<>();
        if (test != null) {
            for (int k = 1; k <= members.size(); k++) {
                Ensemble.Member m = members.get(k - 1);
                System.out.printf("member %d: test loss %.4f  test accuracy %.2f%%%n", k, m.testLoss(), 100 * m.testAccuracy());
                metrics.put("member" + k + "TestAccuracy", m.testAccuracy());
            }
        }
        ModelFolder.saveEnsemble(dir, names, metrics); // the classifier below reads the members from it
        if (test != null) {
            try (Classifier all = new Classifier(dir)) {
                Inference.Outputs out = all.outputs(test);
                metrics.put("testLoss", out.loss(test.labels()));
                metrics.put("testAccuracy", out.accuracy(test.labels()));
                System.out.printf("ensemble of %d: test loss %.4f  test accuracy %.2f%%  (%d images)%n", ensemble,
                        out.loss(test.labels()), 100 * out.accuracy(test.labels()), test.size());
            }
            ModelFolder.saveEnsemble(dir, names, metrics);
        }
        System.out.println("saved the ensemble in " + dir + " (" + dir.resolve("ensemble.json") + ")");
        return 0;
    }

    /** runs/MODEL, or the first of runs/MODEL-2, -3, ... not yet used, so the default never collides. */
    static Path freshRunFolder(String model) {
        Path dir = Path.of("runs", model);
        for (int i = 2; Files.exists(dir); i++) {
            dir = Path.of("runs", model + "-" + i);
        }
        return dir;
    }

    /** The options as a training configuration (not yet validated). */
    TrainConfig config() {
        return new TrainConfig(model, data.dataset().id(), dataFile == null ? null : dataFile.toString(),
                epochs, batchSize, lr, optimizer, momentum, weightDecay, beta1, beta2, lrSchedule, stepEpochs, gamma,
                valSplit, seed, normalize, patience, device, limit, augment ? new Augmentation(rotate, zoom, shift) : null);
    }

    @Override
    public Integer call() throws Exception {
        TrainConfig config = config();
        if (resume == null) {
            config.validate();
            Models.create(model); // unknown names fail before any data is read
        }
        Path dir = resume != null ? resume : out != null ? out : freshRunFolder(model);
        Digits training;
        Digits test = null;
        if (dataFile != null) {
            training = KaggleCsv.read(dataFile, data.dataset().classNames());
            if (!training.hasLabels()) {
                throw new DigitlabException(dataFile + ": has no label column; train --data needs a Kaggle train.csv");
            }
        } else {
            long t0 = System.nanoTime();
            double jvmUp = java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime() / 1000.0;
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
        Trainer.Result r = Trainer.run(config, training, test, dir, resume != null, bar, Main::info);
        if (test != null) {
            System.out.printf("test loss %.4f  test accuracy %.2f%%  (%d images)%n", r.testLoss(), 100 * r.testAccuracy(), test.size());
        }
        System.out.println("saved the model in " + dir + " (best validation model in " + dir.resolve("best") + ")");
        if (report) {
            if (test == null) {
                throw new DigitlabException("--report needs a labelled test set; it cannot be used with --data");
            }
            System.out.println("wrote " + ReportCommand.write(dir, null, data, new Report.Options(0, tsnePoints, seed)));
        }
        return 0;
    }
}
