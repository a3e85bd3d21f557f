package dev.digitlab.train;

import static dev.digitlab.BadSetting.check;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.digitlab.Choice;
import dev.digitlab.data.Augmentation;
import dev.digitlab.data.Normalization;
import dev.digitlab.model.Devices;
import java.lang.reflect.Field;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything that decides a training run, as saved in the checkpoint and the model sidecar. Build one with
 * {@link #builder()}, whose fields start at the shipped defaults ({@link Builder} says why each is what it is).
 */
public record TrainConfig(
        String model, String dataset, String dataFile, int epochs, int batchSize, double lr, Optimizer optimizer,
        double momentum, double weightDecay, double beta1, double beta2, Schedule lrSchedule, int stepEpochs,
        double gamma, double valSplit, long seed, Normalization.Method normalize, int patience, Devices.Choice device,
        int limit, Augmentation augmentation, String recipe) {

    // first: the builder reads the settings through these, and DEFAULT is built below
    private static final RecordComponent[] COMPONENTS = TrainConfig.class.getRecordComponents();

    /** The shipped defaults: what {@code digitlab train} runs with no options. */
    public static final TrainConfig DEFAULT = builder().build();

    public enum Optimizer {
        ADAM, SGD;

        @JsonValue
        @Override
        public String toString() {
            return Choice.label(this);
        }

        @JsonCreator
        public static Optimizer parse(String text) {
            return Choice.parse(Optimizer.class, text, "optimizer");
        }
    }

    /** How the learning rate moves over the run (LrSchedule computes it). */
    public enum Schedule {
        NONE, STEP, COSINE, ONECYCLE;

        @JsonValue
        @Override
        public String toString() {
            return Choice.label(this);
        }

        @JsonCreator
        public static Schedule parse(String text) {
            return Choice.parse(Schedule.class, text, "lrSchedule");
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Rejects nonsense before any work is done, naming the setting. */
    public TrainConfig validate() {
        check(model != null, "model", "must be given");
        check(epochs >= 0, "epochs", "must be at least 0 (0: the untrained network, a baseline), got " + epochs);
        check(batchSize >= 1, "batchSize", "must be at least 1, got " + batchSize);
        check(lr > 0 && Double.isFinite(lr), "lr", "must be a positive number, got " + lr);
        check(momentum >= 0 && momentum < 1, "momentum", "must be in [0, 1), got " + momentum);
        check(weightDecay >= 0 && Double.isFinite(weightDecay), "weightDecay", "must be >= 0, got " + weightDecay);
        check(beta1 >= 0 && beta1 < 1, "beta1", "must be in [0, 1), got " + beta1);
        check(beta2 >= 0 && beta2 < 1, "beta2", "must be in [0, 1), got " + beta2);
        check(stepEpochs >= 1, "stepEpochs", "must be at least 1, got " + stepEpochs);
        check(gamma > 0 && gamma <= 1, "gamma", "must be in (0, 1], got " + gamma);
        check(valSplit >= 0 && valSplit < 1, "valSplit", "must be in [0, 1), got " + valSplit);
        check(patience >= 0, "patience", "must be >= 0 (0 = no early stopping), got " + patience);
        check(patience == 0 || valSplit > 0, "patience", "needs a validation set: give {@valSplit} above 0");
        check(limit >= 0, "limit", "must be >= 0, got " + limit);
        check(optimizer != null, "optimizer", "must be given");
        check(lrSchedule != null, "lrSchedule", "must be given");
        check(normalize != null, "normalize", "must be given");
        check(device != null, "device", "must be given");
        if (augmentation != null) {
            augmentation.validate();
        }
        return this;
    }

    /** The configuration a sidecar or checkpoint recorded, or null if this digitlab cannot read it. */
    public static TrainConfig fromJson(JsonNode json) {
        try {
            return JSON.treeToValue(json, TrainConfig.class);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            return null;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Every setting's name, as files store it and error messages name it. */
    public static final List<String> SETTINGS = Arrays.stream(COMPONENTS).map(RecordComponent::getName).toList();

    /** Settings a run may change when it continues: more epochs, other patience, another device. */
    static final Set<String> CHANGEABLE = Set.of("epochs", "patience", "device");

    /** Every setting by name, in the record's order: what {@link #with} and {@link #continuedWith} take. */
    public Map<String, Object> settings() {
        Map<String, Object> out = new LinkedHashMap<>();
        for (RecordComponent c : COMPONENTS) {
            out.put(c.getName(), Builder.read(c, this));
        }
        return out;
    }

    /**
     * This configuration with the named settings replaced, the others kept: a recipe changed by the options the user
     * named, and by no other. A name that is no setting, or a value of the wrong type, is a programming error.
     */
    public TrainConfig with(Map<String, ?> changes) {
        Builder b = toBuilder();
        changes.forEach(b::set);
        return b.build();
    }

    /**
     * The one rule for continuing a run saved with this configuration: the settings in {@code given} (those the
     * user named, or all of a configuration that must be the same run) may differ from the saved ones only where
     * {@link #CHANGEABLE} allows, and epochs only grow. The recipe's name records where the settings came from, so
     * naming another recipe is refused too: it would bring its settings along unseen. Returns the configuration the
     * run continues with; a refusal names the setting, its saved value and {@code where}.
     */
    public TrainConfig continuedWith(Map<String, ?> given, String where) {
        ObjectNode saved = JSON.valueToTree(this);
        Map<String, Object> changes = new LinkedHashMap<>();
        for (var e : given.entrySet()) {
            String setting = e.getKey();
            if (!saved.has(setting) || saved.get(setting).equals(JSON.valueToTree(e.getValue()))) {
                continue;
            }
            check(!setting.equals("recipe"), setting, "cannot change when " + where + " continues (it was started "
                    + (recipe == null ? "without a named recipe" : "with " + recipe) + "); give the settings to change one "
                    + "by one, or start a new run");
            check(CHANGEABLE.contains(setting), setting, "cannot change when " + where + " continues (it was started with "
                    + saved.get(setting) + "); start a new run to change it");
            check(!setting.equals("epochs") || (Integer) e.getValue() >= epochs, setting, "can only grow when " + where
                    + " continues (it was started for " + epochs + ")");
            changes.put(setting, e.getValue());
        }
        return with(changes).validate();
    }

    /**
     * The settings that decide the run whose values differ from {@code other}'s, as "name: mine -> other's" (the
     * recipe's name is the record of where the settings came from, and decides nothing by itself).
     */
    public List<String> differences(TrainConfig other) {
        ObjectNode mine = JSON.valueToTree(this);
        ObjectNode theirs = JSON.valueToTree(other);
        List<String> out = new ArrayList<>();
        for (Iterator<String> it = mine.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!f.equals("recipe") && !mine.get(f).equals(theirs.get(f))) {
                out.add(f + ": " + mine.get(f) + " -> " + theirs.get(f));
            }
        }
        return out;
    }

    /** Whether {@code other} trains the same run: every setting that decides it is the same (see {@link #differences}). */
    public boolean sameRunAs(TrainConfig other) {
        return other != null && differences(other).isEmpty();
    }

    public TrainConfig withSeed(long newSeed) {
        return toBuilder().seed(newSeed).build();
    }

    /** Named settings with the shipped defaults, each with the reason it is the default. */
    public static final class Builder {
        private String model = "lenet5";            // the write-ups' network: what a newcomer compares with
        private String dataset = "mnist";
        private String dataFile = null;             // a Kaggle train.csv instead of the IDX files
        private int epochs = 6;                     // with one-cycle, 98.95-99.15 % on seeds 1-5 (docs/RESULTS.md)
        private int batchSize = 128;                // a quarter of the steps of 32: much faster on two cores, as accurate with one-cycle
        private double lr = 3e-3;                   // one-cycle's peak; 6e-3 was a little worse on two of five seeds
        private Optimizer optimizer = Optimizer.ADAM;
        private double momentum = 0.9;              // for SGD: the usual value, the deep-cnn recipe's
        private double weightDecay = 0;
        private double beta1 = 0.9;                 // Adam's published defaults
        private double beta2 = 0.999;
        private Schedule lrSchedule = Schedule.ONECYCLE; // warm up, then anneal: the last epoch is the best one
        private int stepEpochs = 3;                 // step schedule: a drop every three epochs
        private double gamma = 0.1;                 // ... by a factor of ten
        private double valSplit = 0;                // all 60,000 images train: one-cycle ends on its best epoch anyway
        private long seed = 1;
        private Normalization.Method normalize = Normalization.Method.MNIST; // the training set's own mean and std
        private int patience = 0;                   // no early stopping unless asked
        private Devices.Choice device = Devices.Choice.AUTO; // a GPU when the engine sees one
        private int limit = 0;                      // all training images
        private Augmentation augmentation = null;   // images as they are
        private String recipe = "default";          // the name the settings were started from (Recipes), for the record

        private Builder() {}

        private Builder(TrainConfig c) {
            c.settings().forEach(this::set);
        }

        public Builder model(String v) { model = v; return this; }
        public Builder dataset(String v) { dataset = v; return this; }
        public Builder dataFile(String v) { dataFile = v; return this; }
        public Builder epochs(int v) { epochs = v; return this; }
        public Builder batchSize(int v) { batchSize = v; return this; }
        public Builder lr(double v) { lr = v; return this; }
        public Builder optimizer(Optimizer v) { optimizer = v; return this; }
        public Builder momentum(double v) { momentum = v; return this; }
        public Builder weightDecay(double v) { weightDecay = v; return this; }
        public Builder beta1(double v) { beta1 = v; return this; }
        public Builder beta2(double v) { beta2 = v; return this; }
        public Builder lrSchedule(Schedule v) { lrSchedule = v; return this; }
        public Builder stepEpochs(int v) { stepEpochs = v; return this; }
        public Builder gamma(double v) { gamma = v; return this; }
        public Builder valSplit(double v) { valSplit = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder normalize(Normalization.Method v) { normalize = v; return this; }
        public Builder patience(int v) { patience = v; return this; }
        public Builder device(Devices.Choice v) { device = v; return this; }
        public Builder limit(int v) { limit = v; return this; }
        public Builder augmentation(Augmentation v) { augmentation = v; return this; }
        public Builder recipe(String v) { recipe = v; return this; }

        /**
         * The configuration of this builder's fields, matched to the record's components by name, so that a setting is
         * declared once in the record and once here, with its default (a field missing here fails the first build).
         */
        public TrainConfig build() {
            Object[] values = new Object[COMPONENTS.length];
            Class<?>[] types = new Class<?>[COMPONENTS.length];
            try {
                for (int i = 0; i < COMPONENTS.length; i++) {
                    values[i] = Builder.class.getDeclaredField(COMPONENTS[i].getName()).get(this);
                    types[i] = COMPONENTS[i].getType();
                }
                return TrainConfig.class.getDeclaredConstructor(types).newInstance(values);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("TrainConfig.Builder lacks a field for a setting: " + e, e);
            }
        }

        /** Sets the setting {@code name} to {@code value}, which must be of the setting's type. */
        Builder set(String name, Object value) {
            try {
                Field f = Builder.class.getDeclaredField(name);
                if (value == null ? f.getType().isPrimitive() : !wrap(f.getType()).isInstance(value)) {
                    throw new IllegalArgumentException("training setting " + name + " is a " + f.getType().getSimpleName()
                            + ", not " + value);
                }
                f.set(this, value);
                return this;
            } catch (NoSuchFieldException e) {
                throw new IllegalArgumentException("no training setting called " + name);
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
        }

        static Object read(RecordComponent c, TrainConfig config) {
            try {
                return c.getAccessor().invoke(config);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }

        private static Class<?> wrap(Class<?> t) {
            return t == int.class ? Integer.class : t == long.class ? Long.class : t == double.class ? Double.class
                    : t == boolean.class ? Boolean.class : t;
        }
    }
}
