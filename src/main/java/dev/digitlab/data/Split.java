package dev.digitlab.data;

import dev.digitlab.BadSetting;
import java.util.Arrays;
import java.util.Random;

/** A seeded train/validation split: the same seed and size always give the same indices. */
public record Split(int[] train, int[] validation) {

    /**
     * Shuffles {@code 0..n-1} with {@code seed} and puts the first {@code round(n * fraction)} into validation.
     * Each side is sorted, so the split says which images go where and the training loop decides the order.
     */
    public static Split of(int n, double fraction, long seed) {
        BadSetting.check(fraction >= 0 && fraction < 1, "valSplit", "must be in [0, 1), got " + fraction);
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        shuffle(idx, new Random(seed));
        int nVal = (int) Math.round(n * fraction);
        int[] val = Arrays.copyOfRange(idx, 0, nVal);
        int[] train = Arrays.copyOfRange(idx, nVal, n);
        Arrays.sort(val);
        Arrays.sort(train);
        return new Split(train, val);
    }

    /** {@code k} distinct indices below {@code n} (all of them if fewer), in a random order drawn by {@code random}. */
    public static int[] sample(int n, int k, Random random) {
        int[] all = new int[n];
        Arrays.setAll(all, i -> i);
        shuffle(all, random);
        return Arrays.copyOf(all, Math.min(k, n));
    }

    /** Fisher-Yates with java.util.Random, whose sequence for a seed is fixed by its specification. */
    public static void shuffle(int[] a, Random random) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
}
