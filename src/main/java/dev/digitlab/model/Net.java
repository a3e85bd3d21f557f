package dev.digitlab.model;

import ai.djl.MalformedModelException;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.Pair;
import dev.digitlab.AtomicFiles;
import dev.digitlab.DigitlabException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.Supplier;

/** An architecture with its parameters, living on one NDManager. */
public final class Net implements AutoCloseable {
    static {
        LibTorch.configure(); // NNPACK off before any convolution runs
    }

    private final Architecture architecture;
    private final SequentialBlock block;
    private final NDManager manager;
    private final ParameterStore store;

    private Net(Architecture architecture, NDManager manager) {
        this(architecture, architecture.block(), manager);
    }

    private Net(Architecture architecture, SequentialBlock block, NDManager manager) {
        this.architecture = architecture;
        this.block = block;
        this.manager = manager;
        this.store = new ParameterStore(manager, false);
    }

    /** A freshly initialised network: weights as PyTorch initialises them, drawn from {@code seed}. */
    public static Net create(Architecture architecture, NDManager parent, long seed) {
        Engine.getInstance().setRandomSeed((int) seed);
        return initialised(architecture, parent);
    }

    private static Net initialised(Architecture architecture, NDManager parent) {
        Net net = new Net(architecture, parent.newSubManager());
        for (Architecture.Layer layer : architecture.layers()) {
            TorchDefaultInit init = new TorchDefaultInit();
            layer.block().setInitializer(init.weights(), Parameter.Type.WEIGHT);
            layer.block().setInitializer(init.biases(), Parameter.Type.BIAS);
        }
        net.block.initialize(net.manager, DataType.FLOAT32, architecture.inputShape(1));
        return net;
    }

    /** A network with the weights in {@code file}, which must fit the architecture exactly. */
    public static Net load(Architecture architecture, NDManager parent, Path file) {
        Net net = initialised(architecture, parent);
        List<Shape> expected = net.parameterShapes();
        try (InputStream in = new ByteArrayInputStream(ParamsFile.read(net, file))) {
            net.block.loadParameters(net.manager, new DataInputStream(in));
            if (in.read() != -1) {
                throw new IOException("unexpected bytes after the last parameter");
            }
        } catch (DigitlabException e) {
            net.close();
            throw e;
        } catch (NoSuchFileException e) {
            net.close();
            throw new DigitlabException(file + ": no such file");
        } catch (Exception e) { // DJL reports bad weights as IOException, MalformedModelException or worse
            net.close();
            throw new DigitlabException(file + ": not " + architecture.name() + " weights (" + oneLine(e) + ")");
        }
        if (!net.parameterShapes().equals(expected)) {
            net.close();
            throw new DigitlabException(file + ": parameter shapes " + net.parameterShapes() + " do not fit "
                    + architecture.name() + " " + expected);
        }
        return net;
    }

    /**
     * A network whose parameters are {@code values}, in parameter order, each of its parameter's size: for weights
     * that come from another framework's file. The arrays are made first and the layers initialised around them.
     */
    public static Net withWeights(Architecture architecture, NDManager parent, List<float[]> values) {
        List<Shape> shapes;
        try (NDManager scratch = NDManager.newBaseManager(); Net probe = initialised(Models.create(architecture.name()), scratch)) {
            shapes = probe.parameterShapes();
        }
        if (shapes.size() != values.size()) {
            throw new IllegalArgumentException(values.size() + " arrays for " + shapes.size() + " parameters");
        }
        Net net = new Net(architecture, parent.newSubManager());
        int i = 0;
        for (Parameter p : net.block.getParameters().values()) {
            p.setArray(net.manager.create(values.get(i), shapes.get(i)));
            i++;
        }
        net.block.initialize(net.manager, DataType.FLOAT32, architecture.inputShape(1));
        return net;
    }

    /**
     * A TorchScript module (torch.jit.save) run by libtorch itself: scores for images of {@code architecture}'s input
     * size. It has no layers digitlab can look into (no feature maps, no Grad-CAM); gradients of its input work.
     */
    public static Net script(Architecture architecture, NDManager parent, Path file) {
        NDManager m = parent.newSubManager();
        try {
            // loaded as trainable: weights loaded for inference only are "inference tensors", which autograd refuses to
            // differentiate through, and input gradients (explanations) need that; nothing trains them
            PtSymbolBlock module = JniUtils.loadModule((PtNDManager) m, file, true, new String[0], new String[0], true);
            SequentialBlock block = new SequentialBlock();
            block.add(new ScriptBlock(module));
            return new Net(architecture, block, m);
        } catch (RuntimeException e) {
            m.close();
            throw new DigitlabException(file + ": libtorch cannot load it as TorchScript (" + oneLine(e) + ")");
        }
    }

    private static String oneLine(Exception e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().replaceAll("\\s+", " ");
    }

    public void save(Path file) throws IOException {
        AtomicFiles.write(file, out -> block.saveParameters(new DataOutputStream(out)));
    }

    /** The weights as bytes, for a checkpoint. */
    public byte[] parameterBytes() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        block.saveParameters(new DataOutputStream(bytes));
        return bytes.toByteArray();
    }

    /** Replaces the weights with checkpointed ones and makes them trainable again (loading drops gradients). */
    public void loadParameterBytes(byte[] bytes) throws IOException {
        try {
            block.loadParameters(manager, new DataInputStream(new ByteArrayInputStream(bytes)));
        } catch (MalformedModelException e) {
            throw new IOException(e.getMessage(), e);
        }
        makeTrainable();
    }

    /** Makes the weights trainable: loaded weights carry no gradients, and a fine-tune needs them. */
    public void makeTrainable() {
        for (Pair<String, Parameter> p : trainableParameters()) {
            p.getValue().getArray().setRequiresGradient(true);
        }
    }

    /**
     * Scores of a batch: batches run channels-last through oneDNN; a single image at inference runs in the plain
     * layout through libtorch's own convolutions, which set nothing up first (see ConvBackend).
     */
    public NDArray forward(NDArray x, boolean training) {
        Route route = !training && x.getShape().get(0) == 1 ? Route.PLAIN : Route.ONEDNN_CHANNELS_LAST;
        return route.run(() -> block.forward(store, new NDList(route.layout(x)), training).singletonOrThrow());
    }

    /**
     * One training step's forward and backward: the scores, and {@code loss(scores)} after its gradients have
     * reached every parameter. Both run under one convolution backend (ATen picks the backward's kernels when the
     * backward runs), channels-last through oneDNN.
     */
    public NDList trainingPass(NDArray x, Function<NDArray, NDArray> loss) {
        Route route = Route.ONEDNN_CHANNELS_LAST;
        return route.run(() -> {
            return collecting(gc -> {
                NDArray scores = block.forward(store, new NDList(route.layout(x)), true).singletonOrThrow();
                NDArray value = loss.apply(scores);
                gc.backward(value);
                return new NDList(scores, value);
            });
        });
    }

    /**
     * The gradient of {@code objective(scores)} at inference with respect to the input of layer {@code layer}
     * (the image itself for 0; for Grad-CAM, a convolution stage's output). The layers before it run without
     * gradients; their output becomes a fresh leaf that the rest of the network is differentiated against.
     * Gradients of inputs run through libtorch's own convolutions, never oneDNN: libtorch 2.7.1's oneDNN gives
     * wrong input gradients in the plain layout on some CPUs (docs/RELIABILITY.md); libtorch's own are exact there.
     */
    public Gradient gradientAt(NDArray x, int layer, Function<NDArray, NDArray> objective) {
        List<Block> layers = List.copyOf(block.getChildren().values());
        Route route = Route.PLAIN;
        return route.run(() -> {
            NDArray at = run(layers.subList(0, layer), route.layout(x)).duplicate();
            at.setRequiresGradient(true);
            return collecting(gc -> {
                NDArray scores = run(layers.subList(layer, layers.size()), at);
                gc.backward(objective.apply(scores));
                return new Gradient(at, scores, at.getGradient());
            });
        });
    }

    /**
     * DJL lets one gradient collector be open in a JVM at a time (a second one throws), so the passes that need one
     * take turns: explanations served at once, or one served while {@code serve --learn} fine-tunes.
     */
    private static final ReentrantLock COLLECTING = new ReentrantLock();

    private static <T> T collecting(Function<GradientCollector, T> pass) {
        COLLECTING.lock();
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            return pass.apply(gc);
        } finally {
            COLLECTING.unlock();
        }
    }

    /** What {@link #gradientAt} found: the activation, the scores, and the objective's gradient at the activation. */
    public record Gradient(NDArray at, NDArray scores, NDArray gradient) {}

    /** Runs the layers one by one and returns every layer's output (for feature maps and summaries). */
    public List<NDArray> forwardLayers(NDArray x) {
        Route route = x.getShape().get(0) == 1 ? Route.PLAIN : Route.ONEDNN_CHANNELS_LAST;
        return route.run(() -> {
            List<NDArray> outputs = new ArrayList<>();
            NDList current = new NDList(route.layout(x));
            for (Block child : block.getChildren().values()) {
                current = child.forward(store, current, false);
                outputs.add(current.singletonOrThrow());
            }
            return outputs;
        });
    }

    private NDArray run(List<Block> layers, NDArray x) {
        NDList current = new NDList(x);
        for (Block child : layers) {
            current = child.forward(store, current, false);
        }
        return current.singletonOrThrow();
    }

    /**
     * The two ways a pass runs its convolutions. ONEDNN_CHANNELS_LAST: batches and training, oneDNN on a
     * channels-last input (its fastest layout, and the one whose gradients were right on every CPU checked).
     * PLAIN: the stored layout through libtorch's own convolutions (oneDNN off); single images and input gradients.
     * oneDNN on the plain layout is never used: its backward-data kernels there are wrong on AMD Zen 5
     * (docs/RELIABILITY.md), and the gradient tests hold both routes to a float64 reference.
     */
    enum Route {
        ONEDNN_CHANNELS_LAST, PLAIN;

        /** Runs a pass, forward and any backward, with this route's convolution backend. */
        <T> T run(Supplier<T> pass) {
            return ConvBackend.forward(oneDnn(), pass);
        }

        /** The input as this route feeds it; call it inside a gradient collector when the input needs a gradient. */
        NDArray layout(NDArray x) {
            return oneDnn() ? channelsLast(x) : x;
        }

        private boolean oneDnn() {
            return this == ONEDNN_CHANNELS_LAST || !ConvBackend.switchable();
        }
    }

    /**
     * The same images with channels-last strides: oneDNN's convolutions run fastest on that layout, and every later
     * layer follows the layout of its input (PyTorch's {@code channels_last}). One channel: a view, no copy; more
     * channels: a copy, unless the input is channels-last already (then the reshapes are views).
     */
    static NDArray channelsLast(NDArray x) {
        Shape s = x.getShape();
        if (s.dimension() != 4) {
            return x;
        }
        long n = s.get(0), c = s.get(1), h = s.get(2), w = s.get(3);
        NDArray nhwc = c == 1 ? x.reshape(n, h, w, 1) : x.transpose(0, 2, 3, 1).reshape(-1).reshape(n, h, w, c);
        return nhwc.transpose(0, 3, 1, 2);
    }

    /** Trainable parameters, by their stable names ("01Conv2d_weight"). */
    public List<Pair<String, Parameter>> trainableParameters() {
        List<Pair<String, Parameter>> out = new ArrayList<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            if (p.getValue().requiresGradient()) {
                out.add(p);
            }
        }
        return out;
    }

    public List<Shape> parameterShapes() {
        return block.getParameters().values().stream().map(p -> p.getArray().getShape()).toList();
    }

    public long parameterCount() {
        return block.getParameters().values().stream().filter(Parameter::requiresGradient)
                .mapToLong(p -> p.getArray().size()).sum();
    }

    public Architecture architecture() {
        return architecture;
    }

    public SequentialBlock block() {
        return block;
    }

    public NDManager manager() {
        return manager;
    }

    @Override
    public void close() {
        manager.close();
    }

    /**
     * PyTorch's default for Conv2d and Linear layers, so that recipes from PyTorch write-ups carry over: weights by
     * Kaiming-uniform with a = sqrt(5), i.e. U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and biases from the same range.
     * DJL initialises a layer's weight before its bias, which is how the bias learns the fan-in.
     */
    static final class TorchDefaultInit {
        private long fanIn;

        Initializer weights() {
            return (manager, shape, dataType) -> {
                fanIn = shape.size() / shape.get(0);
                return uniform(manager, shape, dataType);
            };
        }

        Initializer biases() {
            return (manager, shape, dataType) -> fanIn > 0 ? uniform(manager, shape, dataType) : manager.zeros(shape, dataType);
        }

        private NDArray uniform(NDManager manager, Shape shape, DataType dataType) {
            float bound = (float) (1.0 / Math.sqrt(fanIn));
            return manager.randomUniform(-bound, bound, shape, dataType);
        }
    }
}
