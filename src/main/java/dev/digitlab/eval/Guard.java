package dev.digitlab.eval;

import dev.digitlab.train.LearnConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Decides whether a fine-tuned model may replace the one it started from: the held-out feedback must be read better
 * than before, the MNIST test accuracy may fall by at most {@link LearnConfig#maxTestDrop}, and no class's by more
 * than {@link LearnConfig#maxClassDrop}. The last is what stops a flood of one digit labelled as another: it teaches
 * the held-out rows of the flood too, so they "improve", but the real digit's MNIST figure falls.
 *
 * @param promoted whether every rule held
 * @param reasons  one line per rule, saying how it went
 */
public record Guard(boolean promoted, List<String> reasons) {

    public static Guard judge(Learning.Figures before, Learning.Figures after, LearnConfig c) {
        List<String> reasons = new ArrayList<>();
        boolean ok = true;
        boolean heldOutRose = after.heldOutAccuracy() > before.heldOutAccuracy();
        ok &= heldOutRose;
        reasons.add(String.format(Locale.ROOT, "held-out feedback %s -> %s: %s", pct(before.heldOutAccuracy()), pct(after.heldOutAccuracy()),
                heldOutRose ? "better" : "not better, so nothing was learnt that carries over"));
        double drop = before.testAccuracy() - after.testAccuracy();
        boolean testHeld = drop <= c.maxTestDrop() + 1e-12;
        ok &= testHeld;
        reasons.add(String.format(Locale.ROOT, "MNIST test %s -> %s: %s", pct(before.testAccuracy()), pct(after.testAccuracy()),
                testHeld ? "within " + points(c.maxTestDrop()) + " of before"
                        : "fell " + points(drop) + ", more than the " + points(c.maxTestDrop()) + " allowed"));
        int worst = 0;
        for (int k = 1; k < before.testByClass().length; k++) {
            worst = drop(before, after, k) > drop(before, after, worst) ? k : worst;
        }
        boolean classesHeld = drop(before, after, worst) <= c.maxClassDrop() + 1e-12;
        ok &= classesHeld;
        reasons.add(String.format(Locale.ROOT, "MNIST test per class: %s", classesHeld
                ? "none fell more than " + points(c.maxClassDrop())
                : String.format(Locale.ROOT, "class %d fell %s -> %s, more than the %s allowed", worst, pct(before.testByClass()[worst]),
                        pct(after.testByClass()[worst]), points(c.maxClassDrop()))));
        return new Guard(ok, reasons);
    }

    private static double drop(Learning.Figures before, Learning.Figures after, int k) {
        return before.testByClass()[k] - after.testByClass()[k];
    }

    /** A fraction as a percentage with two decimals, as learn prints figures. */
    public static String pct(double fraction) {
        return String.format(Locale.ROOT, "%.2f %%", 100 * fraction);
    }

    private static String points(double fraction) {
        return String.format(Locale.ROOT, "%.2f points", 100 * fraction);
    }
}
