import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Blocks;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.XavierInitializer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.Pair;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * bench/engine-versions: one training loop written against DJL's public API only (its blocks, loss and Adam; none of
 * digitlab's own paths), so that the very same code runs on two DJL/libtorch pairs. Data held on an NDArray in
 * channels-last strides and taken in slices, as digitlab does. Models: lenet5, deep-cnn (as in digitlab).
 * Usage: java -cp DJL_JARS bench/EngineLoop.java MNIST_DIR MODEL BATCH EPOCHS.
 * Prints "libtorch VERSION epoch E SECONDS s loss L".
 */
public class EngineLoop {
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        boolean lenet = args[1].equals("lenet5");
        int batch = Integer.parseInt(args[2]);
        int epochs = Integer.parseInt(args[3]);
        int pad = lenet ? 2 : 0;
        int side = 28 + 2 * pad;
        int px = side * side;
        byte[] images = Files.readAllBytes(dir.resolve("train-images-idx3-ubyte"));
        byte[] labels = Files.readAllBytes(dir.resolve("train-labels-idx1-ubyte"));
        int n = 60000;
        float[] x = new float[n * px]; // padded for LeNet-5, normalised by MNIST's mean and std
        Arrays.fill(x, -0.1307f / 0.3081f);
        for (int i = 0; i < n; i++) {
            for (int r = 0; r < 28; r++) {
                for (int c = 0; c < 28; c++) {
                    x[i * px + (r + pad) * side + c + pad] = ((images[16 + i * 784 + r * 28 + c] & 0xff) / 255f - 0.1307f) / 0.3081f;
                }
            }
        }
        SequentialBlock net = lenet ? new SequentialBlock()
                .add(conv(6, 5)).add(Activation::tanh).add(Pool.avgPool2dBlock(new Shape(2, 2)))
                .add(conv(16, 5)).add(Activation::tanh).add(Pool.avgPool2dBlock(new Shape(2, 2)))
                .add(conv(120, 5)).add(Activation::tanh).add(Blocks.batchFlattenBlock())
                .add(Linear.builder().setUnits(84).build()).add(Activation::tanh)
                .add(Linear.builder().setUnits(10).build())
            : new SequentialBlock()
                .add(conv(32, 3)).add(Activation::relu).add(Pool.maxPool2dBlock(new Shape(2, 2)))
                .add(conv(64, 3)).add(Activation::relu).add(conv(64, 3)).add(Activation::relu)
                .add(Pool.maxPool2dBlock(new Shape(2, 2))).add(Blocks.batchFlattenBlock())
                .add(Linear.builder().setUnits(100).build()).add(Activation::relu)
                .add(Linear.builder().setUnits(10).build());
        Loss loss = Loss.softmaxCrossEntropyLoss();
        Optimizer adam = Optimizer.adam().optLearningRateTracker(Tracker.fixed(1e-3f)).build();
        try (NDManager root = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(1);
            net.setInitializer(new XavierInitializer(), Parameter.Type.WEIGHT);
            net.initialize(root, DataType.FLOAT32, new Shape(1, 1, side, side));
            ParameterStore store = new ParameterStore(root, false);
            List<Parameter> params = new ArrayList<>();
            for (Pair<String, Parameter> p : net.getParameters()) {
                if (p.getValue().requiresGradient()) {
                    params.add(p.getValue());
                }
            }
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                order.add(i);
            }
            boolean updateZeroes = false;
            for (int epoch = 1; epoch <= epochs; epoch++) {
                Collections.shuffle(order, new Random(epoch));
                long t0 = System.nanoTime();
                float[] sx = new float[n * px];
                long[] sy = new long[n];
                for (int i = 0; i < n; i++) {
                    System.arraycopy(x, order.get(i) * px, sx, i * px, px);
                    sy[i] = labels[8 + order.get(i)];
                }
                double lossSum = 0;
                try (NDManager epochData = root.newSubManager()) {
                    NDArray ex = epochData.create(sx, new Shape(n, side, side, 1)).transpose(0, 3, 1, 2);
                    NDArray ey = epochData.create(sy);
                    for (int from = 0; from + batch <= n; from += batch) {
                        try (NDManager step = root.newSubManager()) {
                            NDArray xb = ex.get(new NDIndex().addSliceDim(from, from + batch));
                            NDArray yb = ey.get(new NDIndex().addSliceDim(from, from + batch));
                            xb.attach(step);
                            yb.attach(step);
                            NDArray l;
                            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                                NDArray out = net.forward(store, new NDList(xb), true).singletonOrThrow();
                                l = loss.evaluate(new NDList(yb), new NDList(out));
                                gc.backward(l);
                            }
                            for (Parameter p : params) {
                                NDArray w = p.getArray();
                                try (NDArray g = w.getGradient()) {
                                    adam.update(p.getId(), w, g);
                                    if (epoch == 1 && from == 0) { // DJL versions differ in whether the update zeroes
                                        updateZeroes = g.abs().sum().getFloat() == 0;
                                    }
                                    if (!updateZeroes) {
                                        g.subi(g);
                                    }
                                }
                            }
                            lossSum += l.toFloatArray()[0];
                        }
                    }
                }
                System.out.printf("libtorch %s epoch %d %.3f s loss %.4f%n", Engine.getInstance().getVersion(), epoch,
                        (System.nanoTime() - t0) / 1e9, lossSum / (n / batch));
            }
        }
    }

    private static Conv2d conv(int filters, int kernel) {
        return Conv2d.builder().setFilters(filters).setKernelShape(new Shape(kernel, kernel)).build();
    }
}
