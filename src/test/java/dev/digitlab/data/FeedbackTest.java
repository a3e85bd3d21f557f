package dev.digitlab.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The cleaning of feedback before a learn: conflicts dropped, repeats once, a seeded hold-out. */
class FeedbackTest {
    private static final List<String> NAMES = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");

    /** Drawings given as one grey value each (every pixel that value), with their labels. */
    private static Digits rows(int[] greys, int[] labels) {
        byte[] p = new byte[greys.length * Digits.PIXELS];
        byte[] l = new byte[greys.length];
        for (int i = 0; i < greys.length; i++) {
            java.util.Arrays.fill(p, i * Digits.PIXELS, (i + 1) * Digits.PIXELS, (byte) greys[i]);
            l[i] = (byte) labels[i];
        }
        return new Digits(p, l, greys.length, Digits.SIDE, Digits.SIDE, NAMES, "test");
    }

    @Test
    void aDrawingWithTwoLabelsIsDroppedEverywhereAndRepeatsCountOnce() {
        // 16 and 17 fall in the same band of grey: the same drawing; 32 is another
        Digits file = rows(new int[] {16, 17, 32, 32, 32, 64, 80, 96, 112, 128, 144, 160},
                new int[] {3, 5, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2});
        Feedback f = Feedback.prepare(file, 0.2, 1);
        assertThat(f.rows()).isEqualTo(12);
        assertThat(f.conflicts()).isEqualTo(2);
        assertThat(f.repeats()).isEqualTo(2);
        assertThat(f.learn().size() + f.heldOut().size()).isEqualTo(8);
        assertThat(f.heldOut().size()).isEqualTo(2);
        for (Digits part : List.of(f.learn(), f.heldOut())) {
            for (int i = 0; i < part.size(); i++) {
                assertThat(part.label(i)).as("no row of the drawing told as 3 and as 5 is left").isIn(1, 2);
            }
        }
    }

    @Test
    void theHoldOutIsSeededAndDisjoint() {
        Digits file = rows(new int[] {0, 16, 32, 48, 64, 80, 96, 112, 128, 144}, new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
        Feedback a = Feedback.prepare(file, 0.3, 7);
        Feedback b = Feedback.prepare(file, 0.3, 7);
        assertThat(a.heldOut().labels()).isEqualTo(b.heldOut().labels());
        assertThat(a.learn().labels()).doesNotContain(a.heldOut().labels());
        assertThat(a.heldOut().size()).isEqualTo(3);
        assertThat(java.util.stream.LongStream.rangeClosed(1, 5).mapToObj(seed -> java.util.Arrays.toString(
                Feedback.prepare(file, 0.3, seed).heldOut().labels())).distinct().count()).as("the seed decides").isGreaterThan(1);
    }

    @Test
    void concatKeepsBothInOrder() {
        Digits a = rows(new int[] {1, 2}, new int[] {1, 2});
        Digits b = rows(new int[] {3}, new int[] {3});
        Digits c = a.concat(b);
        assertThat(c.size()).isEqualTo(3);
        assertThat(c.labels()).containsExactly(1, 2, 3);
        assertThat(c.image(2)[0]).isEqualTo((byte) 3);
    }
}
