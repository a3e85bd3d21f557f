package dev.digitlab.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.digitlab.Choice;
import dev.digitlab.DigitlabException;
import dev.digitlab.api.Classifier;
import dev.digitlab.data.Digits;
import dev.digitlab.data.Normalization;
import dev.digitlab.model.Architecture;
import dev.digitlab.model.ModelFolder;
import dev.digitlab.model.Net;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Why a model said what it said, as heat maps over the 28x28 image it saw (each map 784 non-negative numbers, the
 * largest 1): saliency (|d logit / d pixel|, Simonyan et al. 2014), SmoothGrad (the same averaged over noisy copies,
 * Smilkov et al. 2017), input x gradient (the positive part of d logit / d pixel times the pixel's difference from
 * the background: the first-order drop of the logit if that pixel were erased; Shrikumar et al. 2016), Grad-CAM
 * (Selvaraju et al. 2017) at the last convolution stage with a spatial extent, and occlusion (Zeiler and Fergus 2014):
 * how much the predicted class's probability drops when a patch is greyed out. The logit is the predicted class's
 * log(p / (1 - p)). Saliency and SmoothGrad show where the score is sensitive, which on MNIST is often background
 * (ink there would change the answer); input x gradient and occlusion show which ink the answer rests on
 * (docs/EXPLAIN.md has the deletion test that tells them apart).
 * Ensembles average their members' maps. Gradients run through libtorch's own convolutions (see Net.gradientAt).
 */
public final class Explainer {
    /** SmoothGrad: copies, and the noise's standard deviation as a fraction of the input's range (the paper's 10-20 %). */
    public static final int SMOOTHGRAD_SAMPLES = 25;
    public static final double SMOOTHGRAD_NOISE = 0.15;
    /** Occlusion: a 4x4 patch moved 2 pixels at a time (13 x 13 positions), filled with the data set's mean grey. */
    public static final int OCCLUSION_PATCH = 4;
    public static final int OCCLUSION_STRIDE = 2;

    public enum Method {
        SALIENCY, SMOOTHGRAD, INPUTXGRADIENT, GRADCAM, OCCLUSION;

        @JsonValue
        @Override
        public String toString() {
            return Choice.label(this);
        }

        @JsonCreator
        public static Method parse(String text) {
            return Choice.parse(Method.class, text, "method");
        }

        /** Whether the method looks inside the network (TorchScript models have no layers to look into). */
        public boolean needsLayers() {
            return this == GRADCAM;
        }
    }

    /** One image's prediction and its maps, by method. */
    public record Explanation(Classifier.Prediction prediction, Map<Method, float[]> maps) {}

    private final Classifier classifier;
    private final Map<Net, Integer> camLayers = new IdentityHashMap<>();

    public Explainer(Classifier classifier) {
        this.classifier = classifier;
        for (ModelFolder.Loaded m : classifier.models()) {
            camLayers.put(m.net(), camLayer(m.net()));
        }
    }

    /** The methods this model supports: Grad-CAM needs a convolution stage that digitlab can see. */
    public List<Method> methods() {
        boolean cam = camLayers.values().stream().allMatch(l -> l > 0);
        return List.of(Method.values()).stream().filter(m -> cam || !m.needsLayers()).toList();
    }

    /** Explains one MNIST-like image (784 bytes, white on black) with each of {@code methods}. */
    public Explanation explain(byte[] pixels, Set<Method> methods) {
        Classifier.Prediction p = classifier.classify(pixels);
        Map<Method, float[]> maps = new EnumMap<>(Method.class);
        for (Method m : methods) {
            if (!methods().contains(m)) {
                throw new DigitlabException("no " + m + " for this model: it has no convolution stage digitlab can look "
                        + "into (a TorchScript module or an MLP); it supports " + methods());
            }
            float[] sum = new float[Digits.PIXELS];
            for (ModelFolder.Loaded model : classifier.models()) {
                float[] one = normalised(map(model, pixels, p.label(), m));
                for (int i = 0; i < sum.length; i++) {
                    sum[i] += one[i] / classifier.models().size();
                }
            }
            maps.put(m, normalised(sum));
        }
        return new Explanation(p, maps);
    }

    /** Every convolution layer's output for one MNIST-like image, from the first (or only) model; none for TorchScript. */
    public List<ModelStudy.FeatureMaps> featureMaps(byte[] pixels) {
        ModelFolder.Loaded model = classifier.models().get(0);
        Net net = model.net();
        if (net.architecture().scripted()) {
            return List.of();
        }
        int side = net.architecture().inputSize();
        try (NDManager step = net.manager().newSubManager()) {
            float[] x = input(pixels, model.sidecar().norm(), net.architecture().padding(), side);
            return ModelStudy.featureMaps(net, step.create(x, new Shape(1, 1, side, side)));
        }
    }

    private float[] map(ModelFolder.Loaded model, byte[] pixels, int target, Method m) {
        Net net = model.net();
        Normalization norm = model.sidecar().norm();
        int side = net.architecture().inputSize();
        int pad = net.architecture().padding();
        float[] x = input(pixels, norm, pad, side);
        try (NDManager step = net.manager().newSubManager()) {
            return switch (m) {
                case SALIENCY -> crop(abs(gradient(net, step.create(x, new Shape(1, 1, side, side)), target)), side, pad);
                case INPUTXGRADIENT -> {
                    float[] g = gradient(net, step.create(x, new Shape(1, 1, side, side)), target);
                    float background = norm.apply(0);
                    for (int i = 0; i < g.length; i++) { // first-order drop of the logit if pixel i became background
                        g[i] = Math.max(0, g[i] * (x[i] - background));
                    }
                    yield crop(g, side, pad);
                }
                case SMOOTHGRAD -> smoothGrad(net, step, x, side, pad, target);
                case GRADCAM -> gradCam(net, camLayers.get(net), step, x, side, pad, target).map();
                case OCCLUSION -> occlusion(net, step, pixels, norm, side, pad, target).map();
            };
        }
    }

    /** The model's input for raw pixels: padded with background, then normalised (digitlab's order and arithmetic). */
    static float[] input(byte[] pixels, Normalization norm, int pad, int side) {
        float[] x = new float[side * side];
        float background = norm.apply(0);
        Arrays.fill(x, background);
        for (int r = 0; r < Digits.SIDE; r++) {
            for (int c = 0; c < Digits.SIDE; c++) {
                x[(r + pad) * side + c + pad] = norm.apply(pixels[r * Digits.SIDE + c] & 0xff);
            }
        }
        return x;
    }

    /** d logit / d input, summed over the batch, as a flat array. */
    private static float[] gradient(Net net, NDArray x, int target) {
        Net.Gradient g = net.gradientAt(x, 0, scores -> logit(scores, target));
        return g.gradient().toFloatArray();
    }

    /**
     * The predicted class's logit, log(p / (1 - p)): its score against the log-sum-exp of the others', summed over the
     * batch. Unlike the raw score it falls whatever lowers p, so the maps show what the decision rests on.
     */
    static NDArray logit(NDArray scores, int target) {
        NDArray own = scores.get(":, " + target);
        float[] m = new float[(int) scores.getShape().get(1)];
        m[target] = -1e4f; // exp(-1e4) is 0: the class itself drops out of the others' sum
        NDArray others = scores.add(scores.getManager().create(m, new Shape(1, m.length)));
        NDArray top = others.max(new int[] {1}, true).stopGradient();
        NDArray lse = others.sub(top).exp().sum(new int[] {1}).log().add(top.squeeze(1));
        return own.sub(lse).sum();
    }

    private static float[] smoothGrad(Net net, NDManager step, float[] x, int side, int pad, int target) {
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        for (float v : x) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        double sigma = SMOOTHGRAD_NOISE * (max - min);
        Random noise = new Random(0); // the same image gets the same map
        float[] batch = new float[SMOOTHGRAD_SAMPLES * x.length];
        for (int k = 0; k < SMOOTHGRAD_SAMPLES; k++) {
            for (int i = 0; i < x.length; i++) {
                batch[k * x.length + i] = (float) (x[i] + sigma * noise.nextGaussian());
            }
        }
        float[] g = abs(gradient(net, step.create(batch, new Shape(SMOOTHGRAD_SAMPLES, 1, side, side)), target));
        float[] mean = new float[x.length];
        for (int k = 0; k < SMOOTHGRAD_SAMPLES; k++) {
            for (int i = 0; i < x.length; i++) {
                mean[i] += g[k * x.length + i] / SMOOTHGRAD_SAMPLES;
            }
        }
        return crop(mean, side, pad);
    }

    /** Grad-CAM's pieces: the layer's activations, its channel weights (the spatial means of the gradients), the map. */
    record GradCam(int layer, int channels, int height, int width, float[] activations, float[] gradients,
                   double[] weights, float[] map) {}

    /**
     * The layer Grad-CAM looks at: the input of the first layer after the last one whose output still has a spatial
     * extent (LeNet-5's S4, 16@5x5; best's last 64@4x4 stage). Its coarse maps are the most class-specific ones left.
     * 0 when there is none (a TorchScript module, an MLP).
     */
    public static int camLayer(Net net) {
        Architecture arch = net.architecture();
        if (arch.scripted()) {
            return 0;
        }
        try (NDManager m = net.manager().newSubManager()) {
            List<NDArray> outs = net.forwardLayers(m.zeros(arch.inputShape(1)));
            int last = -1;
            for (int i = 0; i < outs.size(); i++) {
                Shape s = outs.get(i).getShape();
                if (s.dimension() == 4 && s.get(2) > 1 && s.get(3) > 1) {
                    last = i;
                }
            }
            return last + 1;
        }
    }

    static GradCam gradCam(Net net, int layer, NDManager step, float[] x, int side, int pad, int target) {
        Net.Gradient g = net.gradientAt(step.create(x, new Shape(1, 1, side, side)), layer, scores -> logit(scores, target));
        Shape s = g.at().getShape();
        int c = (int) s.get(1);
        int h = (int) s.get(2);
        int w = (int) s.get(3);
        float[] a = g.at().toFloatArray();
        float[] grad = g.gradient().toFloatArray();
        double[] weights = new double[c];
        float[] cam = new float[h * w];
        for (int k = 0; k < c; k++) {
            for (int i = 0; i < h * w; i++) {
                weights[k] += grad[k * h * w + i];
            }
            weights[k] /= h * w;
            for (int i = 0; i < h * w; i++) {
                cam[i] += (float) (weights[k] * a[k * h * w + i]);
            }
        }
        for (int i = 0; i < cam.length; i++) {
            cam[i] = Math.max(0, cam[i]);
        }
        return new GradCam(layer, c, h, w, a, grad, weights, crop(resize(cam, h, w, side), side, pad));
    }

    /** Occlusion's pieces: the probability without occlusion and with the patch at each position (row-major). */
    record Occlusion(double probability, int positions, double[] occluded, float grey, float[] map) {}

    static Occlusion occlusion(Net net, NDManager step, byte[] pixels, Normalization norm, int side, int pad, int target) {
        int n = (Digits.SIDE - OCCLUSION_PATCH) / OCCLUSION_STRIDE + 1;
        float grey = (float) (norm.mean() * 255); // the data set's mean pixel value
        float[] batch = new float[(n * n + 1) * side * side];
        float[] plain = input(pixels, norm, pad, side);
        System.arraycopy(plain, 0, batch, 0, plain.length);
        for (int py = 0; py < n; py++) {
            for (int px = 0; px < n; px++) {
                int at = (1 + py * n + px) * side * side;
                System.arraycopy(plain, 0, batch, at, plain.length);
                for (int y = py * OCCLUSION_STRIDE; y < py * OCCLUSION_STRIDE + OCCLUSION_PATCH; y++) {
                    for (int x = px * OCCLUSION_STRIDE; x < px * OCCLUSION_STRIDE + OCCLUSION_PATCH; x++) {
                        batch[at + (y + pad) * side + x + pad] = grey * norm.scale() - norm.shift();
                    }
                }
            }
        }
        NDArray scores = net.forward(step.create(batch, new Shape(n * n + 1, 1, side, side)), false);
        float[] p = scores.softmax(1).get(":, " + target).toFloatArray();
        double[] occluded = new double[n * n];
        float[] sum = new float[Digits.PIXELS];
        int[] count = new int[Digits.PIXELS];
        for (int k = 0; k < n * n; k++) {
            occluded[k] = p[k + 1];
            int py = k / n;
            int px = k % n;
            for (int y = py * OCCLUSION_STRIDE; y < py * OCCLUSION_STRIDE + OCCLUSION_PATCH; y++) {
                for (int x = px * OCCLUSION_STRIDE; x < px * OCCLUSION_STRIDE + OCCLUSION_PATCH; x++) {
                    sum[y * Digits.SIDE + x] += p[0] - p[k + 1];
                    count[y * Digits.SIDE + x]++;
                }
            }
        }
        float[] map = new float[Digits.PIXELS];
        for (int i = 0; i < map.length; i++) {
            map[i] = count[i] == 0 ? 0 : Math.max(0, sum[i] / count[i]);
        }
        return new Occlusion(p[0], n, occluded, grey, map);
    }

    /** Bilinear resize of an h x w map to side x side, pixel centres aligned (align_corners=False). */
    static float[] resize(float[] m, int h, int w, int side) {
        float[] out = new float[side * side];
        for (int y = 0; y < side; y++) {
            double sy = Math.max(0, Math.min(h - 1, (y + 0.5) * h / side - 0.5));
            int y0 = (int) sy;
            int y1 = Math.min(h - 1, y0 + 1);
            double fy = sy - y0;
            for (int x = 0; x < side; x++) {
                double sx = Math.max(0, Math.min(w - 1, (x + 0.5) * w / side - 0.5));
                int x0 = (int) sx;
                int x1 = Math.min(w - 1, x0 + 1);
                double fx = sx - x0;
                out[y * side + x] = (float) ((1 - fy) * ((1 - fx) * m[y0 * w + x0] + fx * m[y0 * w + x1])
                        + fy * ((1 - fx) * m[y1 * w + x0] + fx * m[y1 * w + x1]));
            }
        }
        return out;
    }

    /** The 28x28 part of a side x side map that the image occupies. */
    static float[] crop(float[] m, int side, int pad) {
        float[] out = new float[Digits.PIXELS];
        for (int r = 0; r < Digits.SIDE; r++) {
            System.arraycopy(m, (r + pad) * side + pad, out, r * Digits.SIDE, Digits.SIDE);
        }
        return out;
    }

    private static float[] abs(float[] v) {
        for (int i = 0; i < v.length; i++) {
            v[i] = Math.abs(v[i]);
        }
        return v;
    }

    /** Scaled so that its largest value is 1 (an all-zero map stays zero). */
    static float[] normalised(float[] m) {
        float max = 0;
        for (float v : m) {
            max = Math.max(max, v);
        }
        float[] out = new float[m.length];
        for (int i = 0; i < m.length; i++) {
            out[i] = max > 0 ? m[i] / max : 0;
        }
        return out;
    }

}
