package dev.digitlab.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDManager;
import dev.digitlab.TestData;
import dev.digitlab.data.Digits;
import dev.digitlab.model.ModelFolder;
import java.lang.reflect.Field;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * One Classifier shared by many threads: every thread gets, bit for bit, what one thread alone gets for the same call,
 * nothing throws, nothing is left on the classifier's NDManagers afterwards, and close() still works.
 *
 * <p>The answers are compared bit for bit, not within a tolerance: each thread makes the same calls on the same images
 * (the same batches, so the same batch sizes and the same convolution route) as the single-threaded reference, and
 * libtorch computes a given operator on a given input the same way whichever thread calls it. Sharing could only change
 * a bit by racing, which is what this looks for.
 */
class ClassifierThreadsTest {
    private static final int THREADS = 12;
    /** Batches of this many images: classifyAll and outputs of a batch take oneDNN's route, single images the plain one. */
    private static final int BATCH = 8;
    private static final Digits TEST = TestData.mnist().test().subset(range(12 * BATCH));

    @Test
    void oneLenet5SharedByTwelveThreadsAnswersAsItDoesAlone() throws Exception {
        hammer(Classifier.load(Path.of("models", "lenet5")), 400);
    }

    @Test
    void oneEnsembleWithTestTimeAugmentationSharedByTwelveThreadsAnswersAsItDoesAlone() throws Exception {
        // two members, five views each: ten forward passes a call, on two networks and both routes
        hammer(Classifier.load(List.of(Path.of("models", "lenet5"), Path.of("models", "best")), true), 12);
    }

    /** What one call on one thread answered. */
    private record Reference(double[][] single, List<List<Classifier.Prediction>> batches, List<float[]> outputs) {}

    private static void hammer(Classifier c, int rounds) throws Exception {
        List<byte[]> images = new ArrayList<>();
        for (int i = 0; i < TEST.size(); i++) {
            images.add(Arrays.copyOfRange(TEST.pixels(), i * Digits.PIXELS, (i + 1) * Digits.PIXELS));
        }
        int batches = TEST.size() / BATCH;
        List<NDManager> managers = managers(c);
        try {
            long[] baseline = counts(managers);

            // the reference: every call once, on this thread alone
            double[][] single = new double[images.size()][];
            for (int i = 0; i < images.size(); i++) {
                single[i] = c.classify(images.get(i)).probabilities();
            }
            List<List<Classifier.Prediction>> batched = new ArrayList<>();
            List<float[]> outputs = new ArrayList<>();
            for (int b = 0; b < batches; b++) {
                batched.add(c.classifyAll(images.subList(b * BATCH, (b + 1) * BATCH)));
                outputs.add(c.outputs(TEST.subset(range(b * BATCH, (b + 1) * BATCH))).logits());
            }
            Reference ref = new Reference(single, batched, outputs);
            assertThat(counts(managers)).as("arrays and sub-managers on the classifier after one thread's calls")
                    .containsExactly(baseline);

            // the same calls from THREADS threads at once, each in its own order
            Queue<String> wrong = new ConcurrentLinkedQueue<>();
            AtomicInteger inFlight = new AtomicInteger();
            AtomicInteger mostInFlight = new AtomicInteger();
            CountDownLatch start = new CountDownLatch(1);
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            try {
                List<Future<Integer>> done = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    long seed = t;
                    done.add(pool.submit(() -> {
                        Random random = new Random(seed);
                        start.await();
                        int calls = 0;
                        for (int r = 0; r < rounds; r++) {
                            int op = random.nextInt(3);
                            int i = random.nextInt(op == 0 ? images.size() : batches);
                            mostInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                            try {
                                check(c, op, i, images, ref, "thread " + seed + " round " + r, wrong);
                            } finally {
                                inFlight.decrementAndGet();
                            }
                            calls++;
                        }
                        return calls;
                    }));
                }
                start.countDown();
                int calls = 0;
                for (Future<Integer> f : done) {
                    calls += f.get(); // a call that threw fails the test here, with its exception as the cause
                }
                assertThat(calls).isEqualTo(THREADS * rounds);
            } finally {
                pool.shutdown();
                assertThat(pool.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
            }
            assertThat(wrong).as("answers that differ from the single-threaded ones").isEmpty();
            assertThat(mostInFlight.get()).as("calls that ran at the same time (else nothing was shared)").isGreaterThan(1);
            assertThat(counts(managers)).as("arrays and sub-managers on the classifier after the threads' calls")
                    .containsExactly(baseline);
        } finally {
            c.close();
        }
        for (NDManager m : managers) {
            assertThat(m.isOpen()).as("a manager of the closed classifier").isFalse();
        }
        assertThatThrownBy(() -> c.classify(images.get(0))).as("a closed classifier refuses work")
                .isInstanceOf(IllegalStateException.class);
    }

    /** One call: 0, classify image i; 1, classifyAll batch i; 2, outputs of batch i. Differences go to {@code wrong}. */
    private static void check(Classifier c, int op, int i, List<byte[]> images, Reference ref, String who, Queue<String> wrong) {
        switch (op) {
            case 0 -> {
                Classifier.Prediction p = c.classify(images.get(i));
                if (!Arrays.equals(p.probabilities(), ref.single()[i])) {
                    wrong.add(who + ": classify(image " + i + ") " + Arrays.toString(p.probabilities())
                            + " instead of " + Arrays.toString(ref.single()[i]));
                }
            }
            case 1 -> {
                List<Classifier.Prediction> got = c.classifyAll(images.subList(i * BATCH, (i + 1) * BATCH));
                List<Classifier.Prediction> want = ref.batches().get(i);
                for (int k = 0; k < BATCH; k++) {
                    Classifier.Prediction g = got.get(k);
                    Classifier.Prediction w = want.get(k);
                    if (g.label() != w.label() || !g.className().equals(w.className())
                            || !Arrays.equals(g.probabilities(), w.probabilities())) {
                        wrong.add(who + ": classifyAll(batch " + i + ")[" + k + "] " + g.label() + " "
                                + Arrays.toString(g.probabilities()) + " instead of " + w.label() + " "
                                + Arrays.toString(w.probabilities()));
                    }
                }
            }
            default -> {
                float[] got = c.outputs(TEST.subset(range(i * BATCH, (i + 1) * BATCH))).logits();
                if (!Arrays.equals(got, ref.outputs().get(i))) {
                    wrong.add(who + ": outputs(batch " + i + ") " + Arrays.toString(got) + " instead of "
                            + Arrays.toString(ref.outputs().get(i)));
                }
            }
        }
    }

    /** The classifier's own manager and each model's (calls make their scratch sub-managers on these). */
    private static List<NDManager> managers(Classifier c) {
        List<NDManager> out = new ArrayList<>();
        out.add(c.models().get(0).net().manager().getParentManager());
        for (ModelFolder.Loaded m : c.models()) {
            out.add(m.net().manager());
        }
        return out;
    }

    /** For each manager: the sub-managers and the arrays in its whole tree. */
    private static long[] counts(List<NDManager> managers) throws ReflectiveOperationException {
        long[] out = new long[managers.size() * 2];
        for (int k = 0; k < managers.size(); k++) {
            out[2 * k] = subManagers(managers.get(k));
            out[2 * k + 1] = managers.get(k).getManagedArrays().size();
        }
        return out;
    }

    private static long subManagers(NDManager m) throws ReflectiveOperationException {
        Field f = BaseNDManager.class.getDeclaredField("resources"); // what the manager closes with itself
        f.setAccessible(true);
        long n = 0;
        for (Object r : ((Map<?, ?>) f.get(m)).values()) {
            if (r instanceof NDManager sub) {
                n += 1 + subManagers(sub);
            }
        }
        return n;
    }

    private static int[] range(int n) {
        return range(0, n);
    }

    private static int[] range(int from, int to) {
        int[] r = new int[to - from];
        for (int i = 0; i < r.length; i++) {
            r[i] = from + i;
        }
        return r;
    }
}
