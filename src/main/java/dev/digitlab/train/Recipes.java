package dev.digitlab.train;

import dev.digitlab.BadSetting;
import dev.digitlab.data.Augmentation;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The named recipes ({@code train --recipe NAME}): each a whole training configuration, chosen and measured as
 * docs/RESULTS.md says, with what it reached there in a line. Every recipe trains on all 60,000 images (one-cycle and
 * fixed schedules end on their best epoch without a validation split). Explicit options change a recipe's settings
 * one by one.
 */
public final class Recipes {
    private Recipes() {}

    /** A recipe: its name, the configuration it trains, and what it measured (one help line: docs have the rest). */
    public record Recipe(String name, TrainConfig config, String measured) {}

    private static final Map<String, Recipe> ALL = new LinkedHashMap<>();

    static {
        // The main job: LeNet-5 with one-cycle, chosen for >= 98.8 % on seeds 1-5 within 90 s of wall time.
        add("default", TrainConfig.DEFAULT, "lenet5, 6 epochs: 99.04 % (mean of seeds 1-5) in 34 s on 2 cores");
        // Time to 99 %: one epoch of a small CNN at a high rate with short-memory Adam, as the "MNIST to 99 % in under a
        // second" study trains its network (docs/PERFORMANCE.md has the search and the race against PyTorch).
        add("fastest", TrainConfig.builder().model("quick-cnn").lr(1e-2).beta1(0.7).beta2(0.9).batchSize(256).epochs(1).build(),
                "quick-cnn, 1 epoch: 99.02 % (mean of seeds 1-5) in 4.2 s");
        // >= 99.6 % within 5 minutes of training: models/best's recipe cut to the epochs that fit (fixed in advance).
        add("accurate", TrainConfig.builder().model("best").lr(3e-3).batchSize(128).epochs(6).augmentation(Augmentation.DEFAULT).build(),
                "best, augmented, 6 epochs: 99.62 % (mean of seeds 1-3) in 3.6 min");
        // models/best: the widest CNN, warped images, fifteen epochs.
        add("best", TrainConfig.builder().model("best").lr(3e-3).batchSize(128).epochs(15).augmentation(Augmentation.DEFAULT).build(),
                "best, augmented, 15 epochs: 99.66 % (seed 1: models/best) in 12 min");
        // The write-ups' LeNet-5 recipe, as they ran it: constant rate, batch 32, five epochs.
        add("writeups", TrainConfig.builder().model("lenet5").lr(1e-3).batchSize(32).epochs(5).lrSchedule(TrainConfig.Schedule.NONE).build(),
                "lenet5, Adam 1e-3 constant, batch 32, 5 epochs: 98.77 % (seed 1)");
    }

    private static void add(String name, TrainConfig config, String measured) {
        ALL.put(name, new Recipe(name, config.toBuilder().recipe(name).build().validate(), measured));
    }

    /** The recipe called {@code name}; an unknown name fails naming the known ones. */
    public static Recipe get(String name) {
        Recipe r = ALL.get(name);
        BadSetting.check(r != null, "recipe", "has no recipe called '" + name + "'; known: " + String.join(", ", ALL.keySet()));
        return r;
    }

    /**
     * "recipe fastest, changed: lr: 0.012 -> 0.02": the recipe a configuration started from and the settings the user
     * changed in it, or null when it names no recipe this digitlab knows (a run saved by another version).
     */
    public static String provenance(TrainConfig c) {
        Recipe r = c.recipe() == null ? null : ALL.get(c.recipe());
        if (r == null) {
            return null;
        }
        List<String> changed = r.config().differences(c);
        return "recipe " + r.name() + (changed.isEmpty() ? "" : ", changed: " + String.join(", ", changed));
    }

    /** Every recipe, in the order help lists them. */
    public static Iterable<Recipe> all() {
        return ALL.values();
    }

    public static Iterable<String> names() {
        return ALL.keySet();
    }
}
