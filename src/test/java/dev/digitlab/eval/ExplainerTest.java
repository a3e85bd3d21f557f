package dev.digitlab.eval;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.digitlab.Slow;
import dev.digitlab.TestData;
import dev.digitlab.api.Classifier;
import dev.digitlab.data.Digits;
import dev.digitlab.data.Normalization;
import dev.digitlab.model.ModelFolder;
import dev.digitlab.model.Net;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/** The explanation methods compute what their definitions say, and the maps point at what the answer rests on. */
class ExplainerTest {
    private static final Path LENET = Path.of("models/lenet5");
    private static final Digits TEST = TestData.mnist().test();
    private static final double U = Math.pow(2, -24);

    /** The predicted class's logit log(p / (1 - p)) from the scores, in double. */
    private static double logit(float[] z, int t) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < z.length; j++) {
            max = j == t ? max : Math.max(max, z[j]);
        }
        double sum = 0;
        for (int j = 0; j < z.length; j++) {
            sum += j == t ? 0 : Math.exp(z[j] - max);
        }
        return z[t] - max - Math.log(sum);
    }

    /**
     * Saliency is |d logit / d input|: the map is the normalised magnitude of the gradient Net.gradientAt computes,
     * and that gradient agrees with central differences of the logit. The tolerance comes from the differences
     * themselves: the truncation error of a central difference is O(h^2), so |FD(h) - FD(h/2)| bounds it (with the
     * factor 4/3 of Richardson's estimate), and evaluating the logit in float32 adds at most 2 * 4 u |logit| / h of
     * rounding (four roundings' worth of slack for the softmax's sums).
     */
    @Test
    void saliencyIsTheGradientsMagnitudeAndTheGradientIsRight() {
        try (Classifier c = Classifier.load(LENET); NDManager m = NDManager.newBaseManager()) {
            ModelFolder.Loaded model = c.models().get(0);
            Net net = model.net();
            Normalization norm = model.sidecar().norm();
            int side = net.architecture().inputSize();
            int pad = net.architecture().padding();
            for (int image : new int[] {0, 7, 21}) {
                byte[] px = TEST.image(image);
                int target = c.classify(px).label();
                float[] x = Explainer.input(px, norm, pad, side);
                float[] g = net.gradientAt(m.create(x, new Shape(1, 1, side, side)), 0, s -> Explainer.logit(s, target))
                        .gradient().toFloatArray();
                float[] map = new Explainer(c).explain(px, EnumSet.of(Explainer.Method.SALIENCY)).maps().get(Explainer.Method.SALIENCY);
                float[] expected = Explainer.normalised(Explainer.crop(absolute(g), side, pad));
                assertThat(map).containsExactly(expected);
                // the strongest pixels and a few others, by finite differences
                Integer[] order = new Integer[Digits.PIXELS];
                Arrays.setAll(order, i -> i);
                Arrays.sort(order, (a, b) -> Float.compare(map[b], map[a]));
                for (int k : new int[] {0, 1, 2, 50, 300}) {
                    int p = order[k];
                    int at = (p / Digits.SIDE + pad) * side + p % Digits.SIDE + pad;
                    double h = 0.05;
                    double fd1 = difference(net, m, x, at, h, target);
                    double fd2 = difference(net, m, x, at, h / 2, target);
                    double f0 = Math.abs(logit(scores(net, m, x), target));
                    double tolerance = 4.0 / 3 * Math.abs(fd1 - fd2) + 8 * U * f0 / (h / 2);
                    assertThat(Math.abs(g[at] - fd2)).as("image %d pixel %d: gradient %s, differences %s / %s", image, p,
                            g[at], fd1, fd2).isLessThanOrEqualTo(tolerance);
                }
            }
        }
    }

    private static float[] scores(Net net, NDManager m, float[] x) {
        int side = (int) Math.sqrt(x.length);
        return net.forward(m.create(x, new Shape(1, 1, side, side)), false).toFloatArray();
    }

    private static double difference(Net net, NDManager m, float[] x, int at, double h, int target) {
        float[] up = x.clone();
        float[] down = x.clone();
        up[at] += (float) h;
        down[at] -= (float) h;
        double hUp = up[at] - x[at];   // the steps as float32 made them
        double hDown = x[at] - down[at];
        return (logit(scores(net, m, up), target) - logit(scores(net, m, down), target)) / (hUp + hDown);
    }

    private static float[] absolute(float[] v) {
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = Math.abs(v[i]);
        }
        return out;
    }

    /**
     * Grad-CAM's channel weights are the spatial means of the logit's gradient at the chosen layer (LeNet-5's S4),
     * taken here from Net.gradientAt at that layer and averaged in double; float32's sum of h*w values is within
     * gamma(h*w) of it.
     */
    @Test
    void gradCamWeightsAreTheSpatialMeansOfTheGradient() {
        try (Classifier c = Classifier.load(LENET); NDManager m = NDManager.newBaseManager()) {
            Net net = c.models().get(0).net();
            byte[] px = TEST.image(3);
            int target = c.classify(px).label();
            float[] x = Explainer.input(px, c.models().get(0).sidecar().norm(), 2, 32);
            Explainer.GradCam cam = Explainer.gradCam(net, Explainer.camLayer(net), m, x, 32, 2, target);
            assertThat(cam.layer()).isEqualTo(6); // after S4, before C5
            assertThat(new int[] {cam.channels(), cam.height(), cam.width()}).containsExactly(16, 5, 5);
            // these pieces are the ones behind the map an explanation gives
            assertThat(new Explainer(c).explain(px, EnumSet.of(Explainer.Method.GRADCAM)).maps().get(Explainer.Method.GRADCAM))
                    .containsExactly(Explainer.normalised(cam.map()));
            float[] g = net.gradientAt(m.create(x, new Shape(1, 1, 32, 32)), cam.layer(), s -> Explainer.logit(s, target))
                    .gradient().toFloatArray();
            int hw = cam.height() * cam.width();
            for (int k = 0; k < cam.channels(); k++) {
                double mean = 0;
                double magnitude = 0;
                for (int i = 0; i < hw; i++) {
                    mean += g[k * hw + i] / (double) hw;
                    magnitude += Math.abs(g[k * hw + i]) / hw;
                }
                assertThat(Math.abs(cam.weights()[k] - mean)).isLessThanOrEqualTo(hw * U / (1 - hw * U) * magnitude + 1e-30);
            }
            assertThat(cam.map()).hasSize(Digits.PIXELS);
        }
    }

    /** Occlusion moves a 4x4 patch by 2 pixels and fills it with the data set's mean grey (mean * 255). */
    @Test
    void occlusionUsesTheDocumentedPatchStrideAndGrey() {
        try (Classifier c = Classifier.load(LENET); NDManager m = NDManager.newBaseManager()) {
            ModelFolder.Loaded model = c.models().get(0);
            Normalization norm = model.sidecar().norm();
            byte[] px = TEST.image(5);
            int target = c.classify(px).label();
            Explainer.Occlusion o = Explainer.occlusion(model.net(), m, px, norm, 32, 2, target);
            assertThat(new Explainer(c).explain(px, EnumSet.of(Explainer.Method.OCCLUSION)).maps().get(Explainer.Method.OCCLUSION))
                    .containsExactly(Explainer.normalised(o.map()));
            assertThat(Explainer.OCCLUSION_PATCH).isEqualTo(4);
            assertThat(Explainer.OCCLUSION_STRIDE).isEqualTo(2);
            assertThat(o.positions()).isEqualTo(13);
            assertThat(o.grey()).isEqualTo((float) (norm.mean() * 255));
            for (int k : new int[] {0, 6 * 13 + 6, 168}) {
                int y0 = k / 13 * 2;
                int x0 = k % 13 * 2;
                float[] x = Explainer.input(px, norm, 2, 32);
                for (int y = y0; y < y0 + 4; y++) {
                    for (int xx = x0; xx < x0 + 4; xx++) {
                        x[(y + 2) * 32 + xx + 2] = o.grey() * norm.scale() - norm.shift();
                    }
                }
                NDArray s = model.net().forward(m.create(x, new Shape(1, 1, 32, 32)), false);
                double p = s.softmax(1).toFloatArray()[target];
                assertThat(o.occluded()[k]).as("patch %d", k).isCloseTo(p, Offset.offset(1e-5));
            }
        }
    }

    /**
     * Deleting (setting to the background, 0) the 10 % of pixels a map ranks highest against 10 % at random (the mean
     * of 10 draws), on 500 test images. Input x gradient and occlusion, which rank the ink the answer rests on, lower the
     * predicted class's probability more than random deletion on at least 90 % of the images. Saliency, SmoothGrad
     * and Grad-CAM rank where the score is sensitive, much of it background that deletion cannot change, so they do
     * not (docs/EXPLAIN.md has the rates); what holds for them is that on average they still beat random deletion.
     */
    @Test
    @Slow // 500 images, each explained five ways
    void mapsPointAtWhatThePredictionRestsOn() {
        Map<Explainer.Method, Deletion> rates = Deletion.measure(LENET, TEST, 500, 0.10, 10, 1);
        for (var e : rates.entrySet()) {
            System.out.printf("deletion of 10%%, %s: beats random on %.1f %% of 500 images; mean drop %.4f against %.4f%n",
                    e.getKey(), 100 * e.getValue().winRate(), e.getValue().meanDrop(), e.getValue().meanRandomDrop());
        }
        assertThat(rates.get(Explainer.Method.INPUTXGRADIENT).winRate()).isGreaterThanOrEqualTo(0.90);
        assertThat(rates.get(Explainer.Method.OCCLUSION).winRate()).isGreaterThanOrEqualTo(0.90);
        for (var e : rates.entrySet()) {
            assertThat(e.getValue().meanDrop()).as(e.getKey().toString()).isGreaterThan(e.getValue().meanRandomDrop());
        }
    }
}
