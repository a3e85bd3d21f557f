package dev.digitlab.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every convolution digitlab differentiates, on the routes it differentiates them, against a float64 computation.
 * libtorch 2.7.1's oneDNN returns wrong input gradients in the plain layout on AMD Zen 5 (docs/RELIABILITY.md);
 * Net routes around it, and this test holds what it routes to: training (oneDNN, channels-last, a batch) and input
 * gradients (libtorch's own convolutions, one image or several).
 *
 * <p>The tolerance is float32's worst case for the arithmetic, not a number tuned until green: each checked value is
 * a sum of K products of float32 numbers, and whatever the order of the sum (and with or without fused multiply-add)
 * the computed value differs from the exact one by at most gamma(K) * sum|products|, gamma(K) = K u / (1 - K u),
 * u = 2^-24 (Higham, Accuracy and Stability of Numerical Algorithms, section 3.1), plus K times the smallest
 * subnormal for underflow. The reference sums the same float32 inputs in float64, whose own error is far below that.
 * The wrong values seen on Zen 5 (0.4-1.2 on values up to 5) are thousands of times outside it.
 */
class GradientTest {
    private static final double U = Math.pow(2, -24);

    /** A convolution's settings and the input shape it sees (channels, side). */
    record Case(String where, int channels, int side, int filters, int kernel, int stride, int pad) {
        @Override
        public String toString() {
            return where + ": " + channels + "@" + side + "x" + side + " -> " + filters + "@" + kernel + "x" + kernel
                    + (stride > 1 ? " stride " + stride : "") + (pad > 0 ? " pad " + pad : "");
        }
    }

    /** The configurations that were red on Zen 5, and every convolution of the zoo with the input it gets. */
    static Stream<Case> cases() {
        List<Case> all = new ArrayList<>(List.of(
                new Case("12 filters, kernel covers input", 16, 5, 12, 5, 1, 0),
                new Case("12 filters", 16, 9, 12, 5, 1, 0),
                new Case("12 filters, kernel 4", 16, 4, 12, 4, 1, 0)));
        for (String name : Models.names()) {
            Architecture arch = Models.create(name);
            try (NDManager m = NDManager.newBaseManager(); Net net = Net.create(arch, m, 1)) {
                List<Architecture.Layer> layers = arch.layers();
                Shape in = arch.inputShape(1);
                List<NDArray> outputs = net.forwardLayers(m.zeros(in));
                for (int i = 0; i < layers.size(); i++) {
                    if (layers.get(i).block() instanceof Conv c) {
                        all.add(new Case(name + " layer " + i, (int) in.get(1), (int) in.get(2), c.getFilters(),
                                (int) c.getKernelShape().get(0), (int) c.getStride().get(0), (int) c.getPadding().get(0)));
                    }
                    in = outputs.get(i).getShape();
                }
            }
        }
        return all.stream();
    }

    static Stream<Arguments> routes() {
        return cases().flatMap(c -> Stream.of(
                Arguments.of(c, Net.Route.ONEDNN_CHANNELS_LAST, 4, true),  // training
                Arguments.of(c, Net.Route.PLAIN, 1, false),                // saliency of one image
                Arguments.of(c, Net.Route.PLAIN, 3, false)));              // several at once (SmoothGrad)
    }

    @ParameterizedTest(name = "{0}, {1}, batch {2}")
    @MethodSource("routes")
    void outputAndGradientsAreWithinFloat32sBoundOfFloat64(Case c, Net.Route route, int batch, boolean training) {
        try (NDManager m = NDManager.newBaseManager()) {
            Random random = new Random(c.hashCode() * 31L + batch);
            Shape inShape = new Shape(batch, c.channels(), c.side(), c.side());
            Conv conv = Conv.of(c.filters(), c.kernel(), c.stride(), c.pad());
            conv.initialize(m, DataType.FLOAT32, inShape);
            int out = (c.side() + 2 * c.pad() - c.kernel()) / c.stride() + 1;
            float[] x = normals(random, (int) inShape.size());
            float[] w = normals(random, c.filters() * c.channels() * c.kernel() * c.kernel());
            float[] b = normals(random, c.filters());
            float[] g = normals(random, batch * c.filters() * out * out);
            conv.getParameters().get("weight").getArray().set(w);
            conv.getParameters().get("bias").getArray().set(b);

            NDArray input = m.create(x, inShape);
            input.setRequiresGradient(true);
            NDArray gOut = m.create(g, new Shape(batch, c.filters(), out, out));
            float[][] got = route.run(() -> {
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDList in = new NDList(route.layout(input));
                    NDArray y = conv.forward(new ParameterStore(m, false), in, training).singletonOrThrow();
                    gc.backward(y.mul(gOut).sum());
                    return new float[][] {y.toFloatArray(), input.getGradient().toFloatArray(),
                            conv.getParameters().get("weight").getArray().getGradient().toFloatArray()};
                }
            });

            Reference ref = new Reference(c, batch, out, x, w, b, g);
            assertWithinBound("output", got[0], ref.output);
            // Training never asks the channels-last route for the gradient of a one-channel input (the images: no
            // gradient), and libtorch 2.7.1's oneDNN gets that one wrong on AVX-512 Zen 4 (docs/RELIABILITY.md);
            // every input gradient digitlab uses (inner layers in training, images on the plain route) is held here.
            if (route == Net.Route.PLAIN || c.channels() > 1) {
                assertWithinBound("input gradient", got[1], ref.inputGradient);
            }
            assertWithinBound("weight gradient", got[2], ref.weightGradient);
        }
    }

    @Test
    void theBoundCatchesAnErrorJustOutsideIt() {
        Reference.Sums sums = new Reference.Sums(1);
        sums.add(0, 3.0, 1.5);
        sums.add(0, -2.0, 0.25);
        double bound = sums.bound(0);
        float exact = (float) sums.value[0];
        assertWithinBound("exact", new float[] {exact}, sums);
        Assertions.assertThatThrownBy(
                () -> assertWithinBound("off", new float[] {(float) (sums.value[0] + 2 * bound)}, sums))
                .isInstanceOf(AssertionError.class).hasMessageContaining("off");
    }

    private static void assertWithinBound(String what, float[] got, Reference.Sums ref) {
        assertThat(got).as(what + " size").hasSize(ref.value.length);
        int worst = -1;
        double worstRatio = 0;
        for (int i = 0; i < got.length; i++) {
            double ratio = Math.abs(got[i] - ref.value[i]) / ref.bound(i);
            if (!(ratio <= worstRatio)) { // NaN counts as the worst
                worstRatio = Double.isNaN(ratio) ? Double.POSITIVE_INFINITY : ratio;
                worst = i;
            }
        }
        if (worstRatio > 1) {
            throw new AssertionError(String.format("%s[%d] = %s, float64 gives %s: off by %.3g, %.3g times float32's bound %.3g",
                    what, worst, got[worst], ref.value[worst], Math.abs(got[worst] - ref.value[worst]), worstRatio,
                    ref.bound(worst)));
        }
    }

    private static float[] normals(Random random, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) random.nextGaussian();
        }
        return a;
    }

    /** The convolution, its input gradient and weight gradient for the output gradient g, in float64. */
    static final class Reference {
        final Sums output;
        final Sums inputGradient;
        final Sums weightGradient;

        /** Per entry: the exact value, the sum of the absolute terms and how many terms went in. */
        static final class Sums {
            final double[] value;
            final double[] magnitude;
            final int[] terms;

            Sums(int n) {
                value = new double[n];
                magnitude = new double[n];
                terms = new int[n];
            }

            void add(int i, double a, double b) {
                double p = a * b; // exact: two float32 significands fit in a float64 one
                value[i] += p;
                magnitude[i] += Math.abs(p);
                terms[i]++;
            }

            double bound(int i) {
                int k = Math.max(terms[i], 1);
                return k * U / (1 - k * U) * magnitude[i] + k * Float.MIN_VALUE;
            }
        }

        Reference(Case c, int n, int out, float[] x, float[] w, float[] b, float[] g) {
            int ch = c.channels(), f = c.filters(), k = c.kernel(), side = c.side();
            output = new Sums(n * f * out * out);
            inputGradient = new Sums(x.length);
            weightGradient = new Sums(w.length);
            for (int s = 0; s < n; s++) {
                for (int co = 0; co < f; co++) {
                    for (int oy = 0; oy < out; oy++) {
                        for (int ox = 0; ox < out; ox++) {
                            int o = ((s * f + co) * out + oy) * out + ox;
                            output.add(o, b[co], 1.0);
                            for (int ci = 0; ci < ch; ci++) {
                                for (int i = 0; i < k; i++) {
                                    int y = oy * c.stride() + i - c.pad();
                                    for (int j = 0; j < k; j++) {
                                        int xx = ox * c.stride() + j - c.pad();
                                        if (y < 0 || y >= side || xx < 0 || xx >= side) {
                                            continue;
                                        }
                                        int xi = ((s * ch + ci) * side + y) * side + xx;
                                        int wi = ((co * ch + ci) * k + i) * k + j;
                                        output.add(o, w[wi], x[xi]);
                                        inputGradient.add(xi, w[wi], g[o]);
                                        weightGradient.add(wi, x[xi], g[o]);
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
