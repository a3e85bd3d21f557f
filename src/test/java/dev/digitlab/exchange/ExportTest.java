package dev.digitlab.exchange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.digitlab.DigitlabException;
import dev.digitlab.Slow;
import dev.digitlab.TestData;
import dev.digitlab.data.Dataset;
import dev.digitlab.data.Digits;
import dev.digitlab.data.Normalization;
import dev.digitlab.api.Classifier;
import dev.digitlab.model.Architecture;
import dev.digitlab.model.Inference;
import dev.digitlab.model.Metrics;
import dev.digitlab.model.ModelFolder;
import dev.digitlab.model.Models;
import dev.digitlab.model.Net;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every zoo architecture, the shipped models and an ensemble, exported as ONNX and run in ONNX Runtime's own Java API
 * on the 10,000 test images: logits within 1e-4 of digitlab's and the same prediction for every image, so the same
 * accuracy.
 */
@Slow // ONNX Runtime against digitlab on every architecture: a minute
class ExportTest {
    @TempDir
    Path dir;

    static List<String> models() {
        List<String> all = new ArrayList<>(Models.names());
        all.addAll(List.of("models/lenet5", "models/best"));
        return all;
    }

    /**
     * A model folder for a zoo architecture: PyTorch-style random weights, and BatchNorm statistics that are not the
     * initial 0 and 1, so that an export that dropped them would show.
     */
    static Path randomModel(String name, Path dir, long seed) throws Exception {
        Random random = new Random(seed);
        try (NDManager m = NDManager.newBaseManager(); Net init = Net.create(Models.create(name), m, seed)) {
            List<float[]> values = new ArrayList<>();
            for (Pair<String, Parameter> p : init.block().getParameters()) {
                float[] v = p.getValue().getArray().toFloatArray();
                String n = p.getValue().getName();
                for (int i = 0; i < v.length; i++) {
                    v[i] = switch (n) {
                        case "runningMean", "beta" -> (float) (0.2 * random.nextGaussian());
                        case "runningVar", "gamma" -> (float) (0.5 + random.nextDouble());
                        default -> v[i];
                    };
                }
                values.add(v);
            }
            Architecture arch = Models.create(name);
            try (Net net = Net.withWeights(arch, m, values)) {
                Path out = dir.resolve(name + "-" + seed);
                ModelFolder.save(out, net, ModelFolder.sidecar(net, new Normalization("mnist", 0.1307, 0.3081),
                        Dataset.MNIST.classNames(), Map.of("dataset", "mnist"), Metrics.NONE));
                return out;
            }
        }
    }

    /** The ONNX model's named output for all test images, run in ONNX Runtime in batches of 1,000. */
    static float[] run(Path onnx, String output, Digits test) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession s = env.createSession(onnx.toString(), new OrtSession.SessionOptions())) {
            float[] out = new float[test.size() * 10];
            for (int from = 0; from < test.size(); from += 1000) {
                int n = Math.min(1000, test.size() - from);
                float[] px = new float[n * Digits.PIXELS];
                for (int i = 0; i < px.length; i++) {
                    px[i] = test.pixels()[from * Digits.PIXELS + i] & 0xff;
                }
                try (OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(px), new long[] {n, 1, 28, 28});
                     OrtSession.Result r = s.run(Map.of(OnnxExport.INPUT, x))) {
                    float[][] v = (float[][]) r.get(output).orElseThrow().getValue();
                    for (int i = 0; i < n; i++) {
                        System.arraycopy(v[i], 0, out, (from + i) * 10, 10);
                    }
                }
            }
            return out;
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void onnxRuntimeGivesDigitlabsLogits(String model) throws Exception {
        Path folder = model.startsWith("models/") ? Path.of(model) : randomModel(model, dir, 7);
        Path onnx = dir.resolve("model.onnx");
        OnnxExport.write(folder, onnx);
        Digits test = TestData.mnist().test();
        float[] theirs = run(onnx, "logits", test);
        Inference.Outputs ours = ImportTest.logits(folder);
        for (int i = 0; i < theirs.length; i++) {
            assertThat(Math.abs(theirs[i] - ours.logits()[i])).as("logit %d of %s", i, model).isLessThanOrEqualTo(1e-4f);
        }
        Inference.Outputs onnxOut = new Inference.Outputs(theirs, test.size(), 10);
        for (int i = 0; i < test.size(); i++) {
            assertThat(onnxOut.predicted(i)).as("image %d", i).isEqualTo(ours.predicted(i));
        }
        assertThat(onnxOut.accuracy(test.labels())).isEqualTo(ours.accuracy(test.labels()));
    }

    @Test
    void anEnsembleBecomesOneGraphAveragingProbabilities() throws Exception {
        Path ens = dir.resolve("ens");
        Files.createDirectories(ens);
        Path a = randomModel("fast-cnn", ens, 1);
        Path b = randomModel("lenet5", ens, 2);
        ModelFolder.saveEnsemble(ens, List.of(a.getFileName().toString(), b.getFileName().toString()), Metrics.NONE);
        Path onnx = dir.resolve("ens.onnx");
        OnnxExport.write(ens, onnx);
        Digits test = TestData.mnist().test().subset(IntStream.range(0, 2000).toArray());
        float[] theirs = run(onnx, "probabilities", test);
        try (Classifier c = Classifier.load(ens)) {
            Inference.Outputs ours = c.outputs(test);
            for (int i = 0; i < test.size(); i++) {
                double[] p = ours.probabilities(i);
                for (int k = 0; k < 10; k++) {
                    assertThat(Math.abs(theirs[i * 10 + k] - p[k])).isLessThanOrEqualTo(1e-5);
                }
            }
        }
    }

    @Test
    void aTorchScriptModelIsNotExportedAsOnnx() throws Exception {
        Path folder = dir.resolve("script");
        Import.run(ImportTest.FIXTURES.resolve("lenet5-script.pt"), folder, ImportTest.options(null));
        assertThatThrownBy(() -> OnnxExport.write(folder, dir.resolve("x.onnx"))).isInstanceOf(DigitlabException.class)
                .hasMessageContaining("torch.onnx.export");
    }
}
