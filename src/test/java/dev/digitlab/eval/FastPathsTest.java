package dev.digitlab.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.digitlab.TestData;
import dev.digitlab.api.Classifier;
import dev.digitlab.data.Digits;
import dev.digitlab.data.Normalization;
import dev.digitlab.data.Split;
import dev.digitlab.data.TensorSet;
import dev.digitlab.model.ConvBackend;
import dev.digitlab.model.Models;
import dev.digitlab.model.Net;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** The shortcuts taken for speed give what the plain paths give. */
class FastPathsTest {
    private static final Digits TEST = TestData.mnist().test().subset(range(300));

    private static int[] range(int n) {
        int[] r = new int[n];
        for (int i = 0; i < n; i++) {
            r[i] = i;
        }
        return r;
    }

    @Test
    void anEpochsShuffledSlicesHoldTheImagesAndLabelsOfThatOrder() {
        int[] order = range(TEST.size());
        Split.shuffle(order, new Random(3));
        try (NDManager m = NDManager.newBaseManager();
             TensorSet set = new TensorSet(m, TEST, 2, Normalization.of(Normalization.Method.MNIST, TEST));
             TensorSet.Shuffled epoch = set.shuffled(m, order)) {
            NDArray sliced = epoch.images(m, 100, 164);
            NDArray picked = set.images(m, order, 100, 164);
            assertThat(sliced.getShape()).isEqualTo(picked.getShape());
            assertThat(sliced.toFloatArray()).containsExactly(picked.toFloatArray(), within(1e-6f));
            assertThat(epoch.labels(m, 100, 164).toLongArray()).containsExactly(set.labels(m, order, 100, 164).toLongArray());
        }
    }

    @Test
    void bothRoutesGiveTheSameScoresLayerByLayer() {
        for (String name : List.of("lenet5", "dropout-cnn", "fast-cnn")) {
            try (NDManager m = NDManager.newBaseManager();
                 Net net = Net.create(Models.create(name), m, 5);
                 TensorSet set = new TensorSet(m, TEST, net.architecture().padding(), Normalization.of(Normalization.Method.MNIST, TEST))) {
                NDArray x = set.images(m, 0, 40); // a batch: oneDNN, channels-last
                List<NDArray> batch = net.forwardLayers(x);
                assertThat(net.forward(x, false).toFloatArray()).as(name)
                        .containsExactly(batch.get(batch.size() - 1).toFloatArray(), within(1e-4f));
                for (int i : new int[] {0, 17, 39}) { // one image: libtorch's own convolutions, plain layout
                    List<NDArray> single = net.forwardLayers(x.get(i + ":" + (i + 1)));
                    for (int layer = 0; layer < single.size(); layer++) {
                        assertThat(single.get(layer).toFloatArray()).as(name + " layer " + layer)
                                .containsExactly(batch.get(layer).get(i + ":" + (i + 1)).toFloatArray(), within(1e-4f));
                    }
                }
            }
        }
    }

    @Test
    void singleRequestsScoreAsTheBatchPathDoes() {
        try (Classifier c = Classifier.load(Path.of("models/lenet5"))) {
            List<byte[]> images = new ArrayList<>();
            for (int i = 0; i < 7; i++) {
                images.add(Arrays.copyOfRange(TEST.pixels(), i * 784, (i + 1) * 784));
            }
            double[][] fast = c.probabilities(images);
            var batch = c.outputs(TEST.subset(range(7)));
            for (int i = 0; i < 7; i++) {
                assertThat(fast[i]).containsExactly(batch.probabilities(i), within(1e-5));
            }
            assertThat(c.probabilities(List.of(images.get(3)))[0]).containsExactly(fast[3], within(1e-5));
        }
    }

    @Test
    void singleImagesSkipOneDnnAndStillAgreeWhileBatchesRunBesideThem() throws Exception {
        assertThat(ConvBackend.switchable()).as("libtorch's oneDNN switch found").isTrue();
        try (Classifier c = Classifier.load(Path.of("models/lenet5"))) {
            Digits ten = TEST.subset(range(10));
            var batch = c.outputs(ten);
            List<Future<Boolean>> results = new ArrayList<>();
            var pool = Executors.newFixedThreadPool(4);
            try {
                for (int t = 0; t < 4; t++) {
                    int thread = t;
                    results.add(pool.submit(() -> {
                        for (int r = 0; r < 25; r++) {
                            int i = (thread + r) % 10;
                            double[] p = thread % 2 == 0
                                    ? c.probabilities(List.of(Arrays.copyOfRange(ten.pixels(), i * 784, (i + 1) * 784)))[0]
                                    : c.outputs(ten).probabilities(i);
                            for (int k = 0; k < p.length; k++) {
                                if (Math.abs(p[k] - batch.probabilities(i)[k]) > 1e-5) {
                                    return false;
                                }
                            }
                        }
                        return true;
                    }));
                }
                for (var r : results) {
                    assertThat(r.get()).isTrue();
                }
            } finally {
                pool.shutdown();
            }
        }
    }
}
