package dev.digitlab.exchange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.digitlab.Slow;
import dev.digitlab.data.Dataset;
import dev.digitlab.model.Inference;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import dev.digitlab.DigitlabException;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The write-ups' own model classes, as their authors wrote them (attribute names, Sequentials, {@code .view}), saved
 * by real PyTorch every way their readers save them (interop/writeups.py): each file imports to the same prediction
 * as PyTorch's on all 10,000 test images, with logits within 1e-4 of PyTorch's. A safetensors header has no order and
 * a TorchScript module gets batches as PyTorch would hand them, so neither may matter. A whole module
 * ({@code torch.save(model)}) is read as data: its classes are names, and calling one is refused.
 */
@Slow // every write-up's model imported and run on all 10,000 test images: minutes
class WriteupModelsTest {
    static final Path FIXTURES = Path.of("src/test/resources/writeups");
    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * float32 sums of a few thousand products in another order than PyTorch's: a logit of size ~10 carries a few
     * 1e-6 of rounding per layer, far below 1e-4; a wrongly placed or transposed tensor moves logits by whole units.
     */
    private static final float LOGIT_TOLERANCE = 1e-4f;

    @TempDir
    Path dir;

    static Stream<Arguments> files() throws IOException {
        List<Arguments> out = new ArrayList<>();
        try (Stream<Path> specs = Files.list(FIXTURES)) {
            for (Path spec : specs.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                JsonNode j = JSON.readTree(spec.toFile());
                j.get("files").fields().forEachRemaining(f -> out.add(Arguments.of(j.get("architecture").asText(),
                        f.getKey(), f.getValue().asText(), j.get("normalize").asText())));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("files")
    void importsToPyTorchsPredictionsAndLogits(String arch, String way, String file, String normalize) throws IOException {
        boolean script = way.equals("script") || way.equals("trace");
        Path out = dir.resolve("imported");
        Import.run(FIXTURES.resolve(file), out,
                new Import.Options(script ? null : arch, Import.normalization(normalize), Dataset.MNIST, null));
        Inference.Outputs got = ImportTest.logits(out);
        byte[] predictions = Files.readAllBytes(FIXTURES.resolve(arch + ".predictions"));
        int same = 0;
        for (int i = 0; i < predictions.length; i++) {
            same += got.predicted(i) == predictions[i] ? 1 : 0;
        }
        assertThat(same).as("test images predicted as PyTorch predicts them").isEqualTo(predictions.length);
        ByteBuffer want = ByteBuffer.wrap(Files.readAllBytes(FIXTURES.resolve(arch + ".logits"))).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; want.hasRemaining(); i++) {
            float w = want.getFloat();
            assertThat(Math.abs(got.logits()[i] - w)).as("logit %d (PyTorch: %s)", i, w).isLessThanOrEqualTo(LOGIT_TOLERANCE);
        }
    }

    /** A whole module's tensors come in the order PyTorch's model.state_dict() gives them: registration order. */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"lenet5", "bn-cnn", "dropout-cnn", "deep-cnn"})
    void aWholeModulesTensorsAreInItsStateDictsOrder(String model) {
        List<String> whole = List.copyOf(TorchPickle.read(FIXTURES.resolve(model + "-whole.pth")).tensors().keySet());
        List<String> stateDict = List.copyOf(TorchPickle.read(FIXTURES.resolve(model + ".pth")).tensors().keySet());
        assertThat(whole).containsExactlyElementsOf(stateDict);
    }

    @Test
    void aWholeModuleIsReadAsDataAndAPickleThatCallsItsClassIsRefused() throws IOException {
        // GLOBAL __main__ CNN, ('x',), REDUCE: what a pickle that runs the author's code would do
        byte[] call = ImportTest.cat(new byte[] {(byte) 0x80, 2}, ImportTest.bytes("c__main__\nCNN\n"),
                ImportTest.shortUnicode("x"), new byte[] {(byte) 0x85, 'R', '.'});
        Path called = ImportTest.zip(dir.resolve("called.pth"), Map.of("archive/data.pkl", call));
        assertThatThrownBy(() -> Import.run(called, dir.resolve("o1"), options()))
                .isInstanceOf(DigitlabException.class).hasMessage(called + ": refused: the pickle calls __main__.CNN; "
                        + "a state_dict needs only OrderedDict, torch tensors and storages");
        // os.system made by cls.__new__ and given a state: recorded as a name, never run, and no module
        byte[] built = ImportTest.cat(new byte[] {(byte) 0x80, 2}, ImportTest.bytes("cos\nsystem\n"),
                new byte[] {')', (byte) 0x81, '}', 'b', '.'});
        Path made = ImportTest.zip(dir.resolve("made.pth"), Map.of("archive/data.pkl", built));
        assertThatThrownBy(() -> Import.run(made, dir.resolve("o2"), options())).isInstanceOf(DigitlabException.class)
                .hasMessage(made + ": the saved module is a os.system without a module's _parameters, _buffers and "
                        + "_modules; not a torch.nn module");
        // the same class given arguments to __new__
        byte[] withArgs = ImportTest.cat(new byte[] {(byte) 0x80, 2}, ImportTest.bytes("c__main__\nCNN\n"),
                ImportTest.shortUnicode("rm -rf"), new byte[] {(byte) 0x85, (byte) 0x81, '.'});
        Path argued = ImportTest.zip(dir.resolve("argued.pth"), Map.of("archive/data.pkl", withArgs));
        assertThatThrownBy(() -> Import.run(argued, dir.resolve("o3"), options())).isInstanceOf(DigitlabException.class)
                .hasMessage(argued + ": refused: the pickle builds __main__.CNN with arguments; a saved module is built "
                        + "without any");
        assertThat(dir.resolve("o1")).doesNotExist();
    }

    @Test
    void aModuleMetTwiceIsRefusedBeforeTheWalkDoublesWithEveryLevel() throws IOException {
        // 60 modules, each holding the next one twice: 2^60 paths through a pickle of 2 KB
        java.io.ByteArrayOutputStream p = new java.io.ByteArrayOutputStream();
        p.writeBytes(new byte[] {(byte) 0x80, 2});
        int n = 60;
        for (int i = n - 1; i >= 0; i--) {
            p.writeBytes(ImportTest.bytes("c__main__\nM\n"));
            p.writeBytes(new byte[] {')', (byte) 0x81, '}', '('});
            p.writeBytes(ImportTest.shortUnicode("_parameters"));
            p.write('}');
            p.writeBytes(ImportTest.shortUnicode("_buffers"));
            p.write('}');
            p.writeBytes(ImportTest.shortUnicode("_modules"));
            p.write('}');
            if (i < n - 1) {
                p.write('(');
                for (String name : List.of("a", "b")) {
                    p.writeBytes(ImportTest.shortUnicode(name));
                    p.writeBytes(new byte[] {'h', (byte) (i + 1)});
                }
                p.write('u');
            }
            p.writeBytes(new byte[] {'u', 'b', 'q', (byte) i});
            if (i > 0) {
                p.write('0');
            }
        }
        p.write('.');
        Path dag = ImportTest.zip(dir.resolve("dag.pth"), Map.of("archive/data.pkl", p.toByteArray()));
        assertThatThrownBy(() -> Import.run(dag, dir.resolve("o"), options())).isInstanceOf(DigitlabException.class)
                .hasMessageStartingWith(dag + ": module a.a.a").hasMessageEndingWith(" is a module already met elsewhere in the tree");
    }

    private static Import.Options options() {
        return new Import.Options("bn-cnn", Import.normalization("mnist"), Dataset.MNIST, null);
    }
}
