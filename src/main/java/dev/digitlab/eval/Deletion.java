package dev.digitlab.eval;

import dev.digitlab.api.Classifier;
import dev.digitlab.data.Digits;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The deletion test of an explanation method: set the pixels a map ranks highest to the background (0) and see how
 * far the predicted class's probability falls, against the same number of pixels chosen at random. A map that points
 * at what the answer rests on makes the probability fall further than chance.
 */
public record Deletion(double winRate, double meanDrop, double meanRandomDrop) {

    /**
     * For the first {@code images} test images: how often deleting the top {@code fraction} of pixels lowers the
     * probability more than the mean of {@code draws} random deletions, and the mean drops.
     */
    public static Map<Explainer.Method, Deletion> measure(Path model, Digits test, int images, double fraction, int draws,
                                                          long seed) {
        int k = (int) Math.round(fraction * Digits.PIXELS);
        Random random = new Random(seed);
        Map<Explainer.Method, double[]> sums = new EnumMap<>(Explainer.Method.class); // wins, drop
        double randomSum = 0;
        try (Classifier c = Classifier.load(model)) {
            Explainer explainer = new Explainer(c);
            for (int i = 0; i < images; i++) {
                byte[] px = test.image(i);
                Explainer.Explanation e = explainer.explain(px, EnumSet.copyOf(explainer.methods()));
                int t = e.prediction().label();
                List<byte[]> variants = new ArrayList<>();
                for (int d = 0; d < draws; d++) {
                    variants.add(deleted(px, shuffled(random), k));
                }
                List<Explainer.Method> methods = List.copyOf(e.maps().keySet());
                for (Explainer.Method m : methods) {
                    variants.add(deleted(px, ranked(e.maps().get(m)), k));
                }
                List<Classifier.Prediction> p = c.classifyAll(variants);
                double randomDrop = 0;
                for (int d = 0; d < draws; d++) {
                    randomDrop += (e.prediction().confidence() - p.get(d).probabilities()[t]) / draws;
                }
                randomSum += randomDrop;
                for (int j = 0; j < methods.size(); j++) {
                    double drop = e.prediction().confidence() - p.get(draws + j).probabilities()[t];
                    double[] s = sums.computeIfAbsent(methods.get(j), x -> new double[2]);
                    s[0] += drop > randomDrop ? 1 : 0;
                    s[1] += drop;
                }
            }
        }
        Map<Explainer.Method, Deletion> out = new EnumMap<>(Explainer.Method.class);
        double meanRandom = randomSum / images;
        sums.forEach((m, s) -> out.put(m, new Deletion(s[0] / images, s[1] / images, meanRandom)));
        return out;
    }

    /**
     * Deletion curves: the mean probability of the predicted class after deleting each fraction of the pixels, in
     * each method's order and (the last entry, "random") in random order, the mean of {@code draws} orders.
     */
    public static Map<String, double[]> curves(Path model, Digits test, int images, double[] fractions, int draws, long seed) {
        Random random = new Random(seed);
        Map<String, double[]> sums = new LinkedHashMap<>();
        try (Classifier c = Classifier.load(model)) {
            Explainer explainer = new Explainer(c);
            for (int i = 0; i < images; i++) {
                byte[] px = test.image(i);
                Explainer.Explanation e = explainer.explain(px, EnumSet.copyOf(explainer.methods()));
                int t = e.prediction().label();
                Map<String, List<Integer[]>> orders = new LinkedHashMap<>();
                e.maps().forEach((m, map) -> orders.put(m.toString(), List.<Integer[]>of(ranked(map))));
                List<Integer[]> randoms = new ArrayList<>();
                for (int d = 0; d < draws; d++) {
                    randoms.add(shuffled(random));
                }
                orders.put("random", randoms);
                for (var o : orders.entrySet()) {
                    List<byte[]> variants = new ArrayList<>();
                    for (double f : fractions) {
                        for (Integer[] order : o.getValue()) {
                            variants.add(deleted(px, order, (int) Math.round(f * Digits.PIXELS)));
                        }
                    }
                    List<Classifier.Prediction> p = c.classifyAll(variants);
                    double[] s = sums.computeIfAbsent(o.getKey(), k -> new double[fractions.length]);
                    int n = o.getValue().size();
                    for (int f = 0; f < fractions.length; f++) {
                        for (int k = 0; k < n; k++) {
                            s[f] += p.get(f * n + k).probabilities()[t] / n / images;
                        }
                    }
                }
            }
        }
        return sums;
    }

    /** Pixel indices, most important first. */
    static Integer[] ranked(float[] map) {
        Integer[] order = new Integer[map.length];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, (a, b) -> Float.compare(map[b], map[a]));
        return order;
    }

    private static Integer[] shuffled(Random random) {
        Integer[] order = new Integer[Digits.PIXELS];
        Arrays.setAll(order, i -> i);
        Collections.shuffle(Arrays.asList(order), random);
        return order;
    }

    /** The image with its first {@code k} pixels in {@code order} set to the background. */
    static byte[] deleted(byte[] px, Integer[] order, int k) {
        byte[] q = px.clone();
        for (int j = 0; j < k; j++) {
            q[order[j]] = 0;
        }
        return q;
    }
}
