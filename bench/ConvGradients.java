import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * The minimal reproduction of docs/RELIABILITY.md's "wrong input gradients": DJL's own Conv2d and libtorch only,
 * nothing of digitlab's. For a few convolutions, the input gradient of sum(conv(x) * g) on three routes (oneDNN on the
 * plain NCHW layout; oneDNN on a channels-last input; libtorch's own convolution with oneDNN switched off), against
 * the same sum in float64. Prints one row per case and route: the largest error, how many float32 worst-case bounds
 * it is (gamma(K) * sum|terms|, K terms, u = 2^-24), and how many entries exceed the bound.
 * Usage: java -cp 'digitlab.jar:lib/*' bench/ConvGradients.java [repeats]
 */
public class ConvGradients {
    public static void main(String[] args) throws Exception {
        int repeats = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int[][] cases = {{8, 16, 9, 12, 5}, {8, 16, 5, 12, 5}, {8, 16, 9, 16, 5}, {1, 1, 32, 6, 5}, {8, 1, 32, 6, 5}};
        System.out.println("| batch | input | filters | kernel | route | largest error | / float32 bound | entries over the bound |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        try (NDManager m = NDManager.newBaseManager()) {
            Context torch = new Context();
            for (int[] c : cases) {
                for (String route : new String[] {"oneDNN, plain", "oneDNN, channels-last", "libtorch's own (oneDNN off)"}) {
                    for (int r = 0; r < repeats; r++) {
                        torch.oneDnn(!route.startsWith("libtorch"));
                        double[] e = run(m, c[0], c[1], c[2], c[3], c[4], route.endsWith("channels-last"), new Random(r));
                        System.out.printf("| %d | %d@%dx%d | %d | %d | %s | %.3g | %.3g | %d of %d |%n", c[0], c[1], c[2], c[2],
                                c[3], c[4], route, e[0], e[1], (long) e[2], (long) e[3]);
                    }
                }
            }
            torch.oneDnn(true);
        }
    }

    static double[] run(NDManager m, int n, int ch, int side, int filters, int k, boolean channelsLast, Random random) {
        int o = side - k + 1;
        Shape shape = new Shape(n, ch, side, side);
        Conv2d conv = Conv2d.builder().setFilters(filters).setKernelShape(new Shape(k, k)).build();
        conv.initialize(m, DataType.FLOAT32, shape);
        float[] x = normals(random, n * ch * side * side);
        float[] w = normals(random, filters * ch * k * k);
        float[] g = normals(random, n * filters * o * o);
        conv.getParameters().get("weight").getArray().set(w);
        NDArray input = m.create(x, shape);
        input.setRequiresGradient(true);
        float[] dx;
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray in = channelsLast ? input.transpose(0, 2, 3, 1).reshape(-1).reshape(n, side, side, ch).transpose(0, 3, 1, 2) : input;
            NDArray y = conv.forward(new ParameterStore(m, false), new NDList(in), true).singletonOrThrow();
            gc.backward(y.mul(m.create(g, new Shape(n, filters, o, o))).sum());
            dx = input.getGradient().toFloatArray();
        }
        double[] exact = new double[dx.length];
        double[] magnitude = new double[dx.length];
        for (int s = 0; s < n; s++) for (int co = 0; co < filters; co++) for (int oy = 0; oy < o; oy++) for (int ox = 0; ox < o; ox++) {
            double gv = g[((s * filters + co) * o + oy) * o + ox];
            for (int ci = 0; ci < ch; ci++) for (int i = 0; i < k; i++) for (int j = 0; j < k; j++) {
                int xi = ((s * ch + ci) * side + oy + i) * side + ox + j;
                double p = w[((co * ch + ci) * k + i) * k + j] * gv;
                exact[xi] += p;
                magnitude[xi] += Math.abs(p);
            }
        }
        double u = Math.pow(2, -24);
        int terms = filters * k * k;
        double worst = 0, worstRatio = 0;
        long over = 0;
        for (int i = 0; i < dx.length; i++) {
            double err = Math.abs(dx[i] - exact[i]);
            double ratio = err / (terms * u / (1 - terms * u) * magnitude[i] + terms * Float.MIN_VALUE);
            if (!(ratio <= 1)) over++;
            if (!(err <= worst)) worst = Double.isNaN(err) ? Double.NaN : err;
            if (!(ratio <= worstRatio)) worstRatio = ratio;
        }
        return new double[] {worst, worstRatio, over, dx.length};
    }

    static float[] normals(Random random, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) random.nextGaussian();
        return a;
    }

    /** libtorch's at::globalContext(), whose oneDNN switch DJL does not expose. */
    static final class Context {
        final NativeLibrary torch;
        final Pointer self;

        Context() throws Exception {
            Engine.getEngine("PyTorch");
            String lib;
            try (var lines = Files.lines(Path.of("/proc/self/maps"))) {
                lib = lines.map(l -> l.substring(l.lastIndexOf(' ') + 1)).filter(p -> p.endsWith("/libtorch_cpu.so")).findFirst().orElseThrow();
            }
            torch = NativeLibrary.getInstance(lib);
            self = torch.getFunction("_ZN2at13globalContextEv").invokePointer(new Object[0]);
            torch.getFunction("_ZN2at7Context20setUserEnabledNNPACKEb").invokeVoid(new Object[] {self, false});
        }

        void oneDnn(boolean on) {
            torch.getFunction("_ZN2at7Context20setUserEnabledMkldnnEb").invokeVoid(new Object[] {self, on});
        }
    }
}
