package dev.digitlab.cli;

import dev.digitlab.eval.Guard;
import dev.digitlab.eval.Learning;
import dev.digitlab.model.ModelFolder;
import dev.digitlab.train.LearnConfig;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "learn", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Fine-tune a model (or each member of an ensemble) on feedback drawings, the CSV that serve's page "
                + "saves, mixed with replayed training images so that it does not forget; judge it before and after on the "
                + "MNIST test set and on feedback held out of training; write the new model to --out.",
                "The guard promotes the new model only if the held-out feedback is read better and the MNIST test accuracy "
                        + "did not fall by more than --max-test-drop, nor any class's by more than --max-class-drop. Drawings "
                        + "that carry two labels are dropped and repeats count once (docs/LEARNING.md).",
                "Exit status: 0 promoted, 3 kept as a candidate only (the guard refused it), 1 an error."})
class LearnCommand implements Callable<Integer> {
    /** The exit status of a learn whose model the guard refused: it was written, as a candidate. */
    static final int REFUSED = 3;
    private static final LearnConfig DEFAULT = LearnConfig.DEFAULT;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "the model or ensemble folder to start from (it is not changed)")
    Path model;

    @Option(names = "--feedback", required = true, paramLabel = "CSV", description = "labelled drawings, label,pixel0..pixel783 (serve's feedback.csv)")
    Path feedback;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "the new model's folder; must not exist")
    Path out;

    @Option(names = "--hold-out", paramLabel = "FRACTION", description = "feedback kept out of training to judge by (default: ${DEFAULT-VALUE})")
    double holdOut = DEFAULT.holdOut();

    @Option(names = "--replay", paramLabel = "N", description = "training images replayed per feedback image; 0 = none (default: ${DEFAULT-VALUE})")
    int replay = DEFAULT.replay();

    @Option(names = "--epochs", description = "passes over the feedback (default: ${DEFAULT-VALUE})")
    int epochs = DEFAULT.epochs();

    @Option(names = "--lr", description = "Adam's rate, annealed to 0 on a cosine (default: ${DEFAULT-VALUE})")
    double lr = DEFAULT.lr();

    @Option(names = "--batch-size", description = "images per step (default: ${DEFAULT-VALUE})")
    int batchSize = DEFAULT.batchSize();

    @Option(names = "--seed", description = "seeds the hold-out, the replayed images and the order (default: ${DEFAULT-VALUE})")
    long seed = DEFAULT.seed();

    @Option(names = "--augment", negatable = true, defaultValue = "true", fallbackValue = "true", description = "warp images as the model's own training did, if it did (default: on)")
    boolean augment;

    @Option(names = "--max-test-drop", paramLabel = "POINTS", description = "the guard: most the MNIST test accuracy may fall, in points (default: ${DEFAULT-VALUE})")
    double maxTestDrop = 100 * DEFAULT.maxTestDrop();

    @Option(names = "--max-class-drop", paramLabel = "POINTS", description = "the guard: most any class's MNIST test accuracy may fall, in points (default: ${DEFAULT-VALUE})")
    double maxClassDrop = 100 * DEFAULT.maxClassDrop();

    @Mixin
    DataOptions data;

    @Override
    public Integer call() throws Exception {
        LearnConfig config = new LearnConfig(holdOut, replay, epochs, lr, batchSize, seed, augment, maxTestDrop / 100,
                maxClassDrop / 100).validate();
        Path first = ModelFolder.members(model).get(0);
        data.orModelDefault(ModelFolder.readSidecar(first).dataset());
        Learning.Outcome o = Learning.run(model, feedback, feedback.toAbsolutePath().normalize().toString(), data::load, config, out,
                Main::info);
        String row = "%-20s %9s %9s%n";
        System.out.printf(row, "", "before", "after");
        System.out.printf(row, "MNIST test", Guard.pct(o.before().testAccuracy()), Guard.pct(o.after().testAccuracy()));
        System.out.printf(row, "held-out feedback", Guard.pct(o.before().heldOutAccuracy()), Guard.pct(o.after().heldOutAccuracy()));
        String improved = Learning.mostImproved(o.before(), o.after());
        if (improved != null) {
            System.out.println("most improved: " + improved);
        }
        System.out.println("guard: " + (o.guard().promoted() ? "promoted" : "refused"));
        o.guard().reasons().forEach(r -> System.out.println("  " + r));
        System.out.println("wrote " + out + (o.guard().promoted() ? "" : " (a candidate only: the guard refused it)"));
        return o.guard().promoted() ? 0 : REFUSED;
    }
}
