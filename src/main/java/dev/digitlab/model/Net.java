package dev.digitlab.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.Pair;
import dev.digitlab.AtomicFiles;
import dev.digitlab.DigitlabException;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** An architecture with its parameters, living on one NDManager. */
public final class Net implements AutoCloseable {
    private final Architecture architecture;
    private final SequentialBlock block;
    private final NDManager manager;
    private final ParameterStore store;

    private Net(Architecture architecture, NDManager manager) {
        this.architecture = architecture;
        this.block = architecture.block();
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
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
            net.block.loadParameters(net.manager, new DataInputStream(in));
            if (in.read() != -1) {
                throw new IOException("unexpected bytes after the last parameter");
            }
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

    private static String oneLine(Exception e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().replaceAll("\\s+", " ");
    }

    public void save(Path file) throws IOException {
        AtomicFiles.write(file, out -> block.saveParameters(new DataOutputStream(out)));
    }

    /** The weights as bytes, for a checkpoint. */
    public byte[] parameterBytes() throws IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        block.saveParameters(new DataOutputStream(bytes));
        return bytes.toByteArray();
    }

    /** Replaces the weights with checkpointed ones and makes them trainable again (loading drops gradients). */
    public void loadParameterBytes(byte[] bytes) throws IOException {
        try {
            block.loadParameters(manager, new DataInputStream(new java.io.ByteArrayInputStream(bytes)));
        } catch (ai.djl.MalformedModelException e) {
            throw new IOException(e.getMessage(), e);
        }
        for (Pair<String, Parameter> p : trainableParameters()) {
            p.getValue().getArray().setRequiresGradient(true);
        }
    }

    /**
     * Batches run channels-last through oneDNN; a single image at inference runs in the plain layout through
     * libtorch's own convolutions, which set nothing up first (lenet5: 0.11 ms against 0.23 ms, see ConvBackend).
     */
    public NDArray forward(NDArray x, boolean training) {
        boolean single = !training && x.getShape().get(0) == 1 && ConvBackend.switchable();
        return ConvBackend.forward(!single,
                () -> block.forward(store, new NDList(single ? x : channelsLast(x)), training).singletonOrThrow());
    }

    /**
     * The same one-channel images with channels-last strides (a view, no copy): oneDNN's convolutions run faster
     * on that layout, and every later layer follows the layout of its input (PyTorch's {@code channels_last}).
     */
    static NDArray channelsLast(NDArray x) {
        Shape s = x.getShape();
        if (s.dimension() != 4 || s.get(1) != 1) {
            return x;
        }
        return x.reshape(s.get(0), s.get(2), s.get(3), 1).transpose(0, 3, 1, 2);
    }

    /** Runs the layers one by one and returns every layer's output (for feature maps and summaries). */
    public List<NDArray> forwardLayers(NDArray x) {
        List<NDArray> outputs = new ArrayList<>();
        return ConvBackend.forward(true, () -> {
            NDList current = new NDList(x);
            for (var child : block.getChildren().values()) {
                current = child.forward(store, current, false);
                outputs.add(current.singletonOrThrow());
            }
            return outputs;
        });
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
