package dev.digitlab.cli;

import dev.digitlab.DigitlabException;
import dev.digitlab.data.Augmentation;
import dev.digitlab.data.Normalization;
import dev.digitlab.model.Devices;
import dev.digitlab.train.Recipes;
import dev.digitlab.train.TrainConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;

/**
 * train's options that set a training setting, each declared here once: the field is named as the setting in
 * {@link TrainConfig} (so that the two are matched by name, not by a list kept by hand), its default is the shipped
 * one, and experiment's grid keys are read from these options. The warp's parts build one setting, augmentation;
 * train.py's two names are aliases.
 */
class TrainingOptions {
    private static final TrainConfig DEFAULT = TrainConfig.DEFAULT;

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

    @Option(names = "--data", paramLabel = "CSV", description = "train from a Kaggle 'digit recognizer' train.csv instead of the IDX files")
    Path dataFile;

    /** The options that make up augmentation, and train.py's aliases with the setting each stands for. */
    private static final Set<String> WARP = Set.of("augment", "rotate", "zoom", "shift", "flip");
    private static final Map<String, String> ALIASES = Map.of("numEpochs", "epochs", "learningRate", "lr");

    /** The training setting an option's field sets: itself, or augmentation for the warp's parts, train.py's aliases. */
    static String setting(String field) {
        return WARP.contains(field) ? "augmentation" : ALIASES.getOrDefault(field, field);
    }

    /**
     * The settings the command line named, with their values: each option given sets the setting of its name; of two
     * names for one setting the one given last wins (an experiment variant's over its base's); the warp's parts change
     * the recipe's augmentation one by one. The data set is not among them: it is the data's, never a recipe's.
     */
    Map<String, Object> given(CommandLine.ParseResult parsed, Augmentation recipeWarp) {
        Map<String, Object> given = new LinkedHashMap<>();
        Set<String> named = Flags.given(parsed);
        for (OptionSpec o : parsed.matchedOptions()) {
            String field = Flags.field(o);
            if (field != null && TrainConfig.SETTINGS.contains(field) && !field.equals("dataset")) {
                given.put(field, field.equals("dataFile") ? dataFile.toString() : o.getValue());
            }
        }
        List<String> args = parsed.originalArgs();
        if (numEpochs != null && lastIndex(args, "--num-epochs") > lastIndex(args, "--epochs")) {
            given.put("epochs", numEpochs);
        }
        if (learningRate != null && lastIndex(args, "--learning-rate") > lastIndex(args, "--lr")) {
            given.put("lr", learningRate);
        }
        if (named.stream().anyMatch(WARP::contains)) {
            boolean warp = named.contains("augment") ? augment : recipeWarp != null;
            if (flip && !warp) {
                throw new DigitlabException("--flip mirrors images as part of --augment; give both");
            }
            Augmentation from = recipeWarp != null ? recipeWarp : Augmentation.DEFAULT;
            given.put("augmentation", !warp ? null : new Augmentation(named.contains("rotate") ? rotate : from.rotate(),
                    named.contains("zoom") ? zoom : from.zoom(), named.contains("shift") ? shift : from.shift(),
                    named.contains("flip") ? flip : from.flip()));
        }
        return given;
    }

    /** The recipe the command line names (its settings before the options given beside it). */
    TrainConfig recipe() {
        return Recipes.get(recipe).config();
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
}
