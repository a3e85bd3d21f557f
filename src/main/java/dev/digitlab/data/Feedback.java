package dev.digitlab.data;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Feedback rows made ready to learn from: drawings that carry two labels are dropped (a player who corrects the same
 * drawing both ways, or an attacker, teaches nothing either way), repeats of a drawing count once (a thousand copies
 * weigh as much as one), and what is left is split, seeded, into rows to learn from and rows held out to judge the
 * result by. Two drawings are "the same" when every pixel lies in the same one of sixteen bands of grey: a copy sent
 * again, or saved again with changes too small to cross a band, does not pass for a new drawing. Noise that moves
 * pixels across bands makes another drawing here; what it could teach is left to replay and the guard.
 *
 * @param learn     rows to fine-tune on
 * @param heldOut   rows kept out of training, to judge the fine-tuned model by
 * @param rows      rows in the file
 * @param conflicts rows dropped because the same drawing carries another label elsewhere in the file
 * @param repeats   rows dropped as repeats of a drawing kept once
 */
public record Feedback(Digits learn, Digits heldOut, int rows, int conflicts, int repeats) {
    private static final int SAME_SHIFT = 4; // pixels compared in 16 grey levels

    /** Cleans {@code file} (labelled 28x28 rows) and holds out {@code holdOut} of what is left, seeded by {@code seed}. */
    public static Feedback prepare(Digits file, double holdOut, long seed) {
        Map<ByteBuffer, List<Integer>> byDrawing = new LinkedHashMap<>();
        for (int i = 0; i < file.size(); i++) {
            byDrawing.computeIfAbsent(key(file.image(i)), k -> new ArrayList<>()).add(i);
        }
        List<Integer> kept = new ArrayList<>();
        int conflicts = 0;
        int repeats = 0;
        for (List<Integer> same : byDrawing.values()) {
            Map<Integer, Integer> labels = new HashMap<>();
            same.forEach(i -> labels.merge(file.label(i), 1, Integer::sum));
            if (labels.size() > 1) {
                conflicts += same.size();
            } else {
                kept.add(same.get(0));
                repeats += same.size() - 1;
            }
        }
        Digits clean = file.subset(kept.stream().mapToInt(Integer::intValue).toArray());
        Split split = Split.of(clean.size(), holdOut, seed);
        return new Feedback(clean.subset(split.train()), clean.subset(split.validation()), file.size(), conflicts, repeats);
    }

    /** The drawing in sixteen bands of grey, as a key that compares by content. */
    private static ByteBuffer key(byte[] pixels) {
        byte[] coarse = new byte[pixels.length];
        for (int i = 0; i < pixels.length; i++) {
            coarse[i] = (byte) ((pixels[i] & 0xff) >> SAME_SHIFT);
        }
        return ByteBuffer.wrap(coarse);
    }
}
