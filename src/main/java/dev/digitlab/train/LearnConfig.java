package dev.digitlab.train;

import static dev.digitlab.BadSetting.check;

/**
 * Everything that decides a fine-tune on feedback and whether its result may replace the model it started from.
 * {@link #DEFAULT} holds the shipped values, each with the reason it is what it is (docs/LEARNING.md has the runs).
 *
 * @param holdOut      fraction of the (cleaned) feedback kept out of training to judge the result by
 * @param replay       MNIST training images replayed per feedback image, so that the model does not forget (0: none)
 * @param epochs       passes over the feedback rows, each with a fresh draw of replayed images
 * @param lr           Adam's rate, annealed to 0 by a cosine over the fine-tune
 * @param batchSize    images per step
 * @param seed         seeds the hold-out, the replay draw, the order and the augmentation
 * @param augment      warp the images as the parent's training did (its rotate/zoom/shift), if it did
 * @param maxTestDrop  the guard: the MNIST test accuracy may fall by at most this (a fraction: 0.001 is 0.1 points)
 * @param maxClassDrop the guard: no class's MNIST test accuracy may fall by more than this
 */
public record LearnConfig(double holdOut, int replay, int epochs, double lr, int batchSize, long seed, boolean augment,
                          double maxTestDrop, double maxClassDrop) {

    public static final LearnConfig DEFAULT = new LearnConfig(
            0.2,     // a fifth held out: 60 of 300 drawings judge the result to within a few points
            8,       // eight old images to each new one: best lost 0.02-0.05 points of MNIST test (4: 0.10), the new hand as well learnt
            8,       // the feedback is small: several passes, each over other replayed images
            3e-4,    // a tenth of training's peak: enough to learn a new hand, too little to unlearn the old ones
            64,      // small batches: a few hundred feedback rows still make enough steps
            1,
            true,    // a new hand is learnt from few drawings; warps make each count several times
            0.001,   // 0.1 points, ten MNIST test images: twice the 0.02-0.05 that good fine-tunes of best lost on seeds 1-3
            0.01);   // one point of any one class: a flood that teaches one digit as another shows here first

    /** Rejects nonsense before any work is done, naming the setting. */
    public LearnConfig validate() {
        check(holdOut > 0 && holdOut < 1, "holdOut", "must be in (0, 1): the guard needs held-out feedback, got " + holdOut);
        check(replay >= 0 && replay <= 100, "replay", "must be 0-100 replayed images per feedback image, got " + replay);
        check(epochs >= 1 && epochs <= 1000, "epochs", "must be 1-1000, got " + epochs);
        check(lr > 0 && Double.isFinite(lr), "lr", "must be a positive number, got " + lr);
        check(batchSize >= 1, "batchSize", "must be at least 1, got " + batchSize);
        check(maxTestDrop >= 0 && maxTestDrop < 1, "maxTestDrop", "must be in [0, 1), got " + maxTestDrop);
        check(maxClassDrop >= 0 && maxClassDrop < 1, "maxClassDrop", "must be in [0, 1), got " + maxClassDrop);
        return this;
    }

    public LearnConfig withReplay(int v) {
        return new LearnConfig(holdOut, v, epochs, lr, batchSize, seed, augment, maxTestDrop, maxClassDrop);
    }
}
