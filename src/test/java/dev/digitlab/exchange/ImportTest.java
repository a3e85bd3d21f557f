package dev.digitlab.exchange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.digitlab.DigitlabException;
import dev.digitlab.Slow;
import dev.digitlab.TestData;
import dev.digitlab.data.Dataset;
import dev.digitlab.data.Digits;
import dev.digitlab.data.TensorSet;
import dev.digitlab.model.Inference;
import dev.digitlab.model.ModelFolder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Files written by real PyTorch (interop/pytorch_models.py, committed in src/test/resources/interop with PyTorch's own
 * logits and predictions) come in through every format: the same predictions on all 10,000 test images and logits
 * within 1e-4 of PyTorch's. And files that are not what they claim are refused in one line, before anything is
 * allocated or executed.
 */
@Slow // every format's model on all 10,000 test images
class ImportTest {
    static final Path FIXTURES = Path.of("src/test/resources/interop");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    static Import.Options options(String arch) {
        return new Import.Options(arch, Import.normalization("mnist"), Dataset.MNIST, null);
    }

    /** The imported model's logits for every test image, as evaluate computes them. */
    static Inference.Outputs logits(Path folder) {
        Digits test = TestData.mnist().test();
        try (NDManager m = NDManager.newBaseManager(); ModelFolder.Loaded model = ModelFolder.load(folder, m);
             TensorSet set = new TensorSet(m, test, model.net().architecture().padding(), model.sidecar().norm())) {
            return Inference.run(model.net(), set, 1000);
        }
    }

    @ParameterizedTest(name = "{0} ({1})")
    @CsvSource({"lenet5.pth, lenet5", "lenet5-legacy.pth, lenet5", "lenet5.safetensors, lenet5", "lenet5-script.pt, ",
            "fast-cnn.pth, fast-cnn"})
    void pytorchFilesComeInWithPyTorchsScores(String file, String arch) throws IOException {
        String name = arch != null ? arch : "lenet5";
        JsonNode expected = JSON.readTree(FIXTURES.resolve(name + ".json").toFile());
        Path out = dir.resolve("imported");
        Import.Result r = Import.run(FIXTURES.resolve(file), out, options(arch));
        assertThat(r.architecture()).isEqualTo(arch != null ? arch : "torchscript");

        Inference.Outputs got = logits(out);
        byte[] predictions = Files.readAllBytes(FIXTURES.resolve(name + ".predictions"));
        for (int i = 0; i < predictions.length; i++) {
            assertThat(got.predicted(i)).as("test image %d", i).isEqualTo(predictions[i]);
        }
        assertThat(got.accuracy(TestData.mnist().test().labels())).isEqualTo(expected.get("testAccuracy").asDouble());
        ByteBuffer theirs = ByteBuffer.wrap(Files.readAllBytes(FIXTURES.resolve(name + ".logits"))).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < theirs.capacity() / 4; i++) {
            assertThat(Math.abs(got.logits()[i] - theirs.getFloat(i * 4))).as("logit %d", i).isLessThanOrEqualTo(1e-4f);
        }
        ModelFolder.Sidecar s = ModelFolder.readSidecar(out);
        assertThat(s.source().get("file").asText()).endsWith(file);
        assertThat(s.source().get("sha256").asText()).hasSize(64);
        assertThat(s.norm().mean()).isEqualTo(0.1307);
    }

    @Test
    void aPickleThatCallsAnythingButTheStateDictsFewGlobalsIsRefusedAndNothingRuns() throws IOException {
        Path marker = dir.resolve("pwned");
        // PROTO 2, GLOBAL posix.system, the command, TUPLE1, REDUCE, STOP: what pickle.dumps of a __reduce__ gives
        byte[] pickle = cat(new byte[] {(byte) 0x80, 2}, bytes("cposix\nsystem\n"), shortUnicode("touch " + marker),
                new byte[] {(byte) 0x85, 'R', '.'});
        Path evil = zip(dir.resolve("evil.pth"), Map.of("archive/data.pkl", pickle, "archive/version", bytes("3\n")));
        assertThatThrownBy(() -> Import.run(evil, dir.resolve("out"), options("lenet5"))).isInstanceOf(DigitlabException.class)
                .hasMessage(evil + ": refused: the pickle calls posix.system; a state_dict needs only OrderedDict, torch tensors and storages");
        // protocol 4 names its globals with STACK_GLOBAL
        byte[] four = cat(new byte[] {(byte) 0x80, 4}, shortUnicode("os"), shortUnicode("system"), new byte[] {(byte) 0x93},
                shortUnicode("touch " + marker), new byte[] {(byte) 0x85, 'R', '.'});
        Path evil4 = zip(dir.resolve("evil4.pth"), Map.of("archive/data.pkl", four));
        assertThatThrownBy(() -> Import.run(evil4, dir.resolve("out"), options("lenet5"))).hasMessageContaining("refused: the pickle calls os.system");
        assertThat(marker).doesNotExist();
        assertThat(dir.resolve("out")).doesNotExist();
    }

    @Test
    void aStorageClaimingMoreThanTheFileHoldsIsRefusedBeforeAnythingIsAllocated() throws IOException {
        // OrderedDict {'w': _rebuild_tensor_v2(storage('0', FloatStorage, 10^12 elements), 0, (10^12,), (1,), False, OrderedDict())}
        byte[] pickle = cat(new byte[] {(byte) 0x80, 2}, bytes("ccollections\nOrderedDict\n"), new byte[] {')', 'R', '('},
                shortUnicode("w"), bytes("ctorch._utils\n_rebuild_tensor_v2\n"), new byte[] {'('},
                new byte[] {'('}, shortUnicode("storage"), bytes("ctorch\nFloatStorage\n"), shortUnicode("0"),
                shortUnicode("cpu"), bytes("L1000000000000L\n"), new byte[] {'t', 'Q'},
                bytes("K\u0000"), bytes("L1000000000000L\n"), new byte[] {(byte) 0x85}, bytes("K\u0001"), new byte[] {(byte) 0x85},
                new byte[] {(byte) 0x89}, bytes("ccollections\nOrderedDict\n"), new byte[] {')', 'R', 't', 'R', 'u', '.'});
        Path huge = zip(dir.resolve("huge.pth"), Map.of("archive/data.pkl", pickle, "archive/data/0", new byte[16]));
        assertThatThrownBy(() -> Import.run(huge, dir.resolve("out"), options("lenet5"))).isInstanceOf(DigitlabException.class)
                .hasMessageContaining("storage '0' claims 1000000000000 float32 elements (4000000000000 bytes) but holds 16 bytes");
    }

    @Test
    void missingExtraMisshapenAndWrongTypeTensorsAreNamedWithBothShapes() throws IOException {
        StateDict good = SafeTensors.read(FIXTURES.resolve("lenet5.safetensors"));
        Map<String, Tensor> missing = new LinkedHashMap<>(good.tensors());
        missing.remove("fc2.bias");
        assertThatThrownBy(() -> importTensors(missing)).hasMessageEndingWith(
                "missing tensor fc2.bias: lenet5's layer 12 (Linear) needs one of shape [10]");
        Map<String, Tensor> extra = new LinkedHashMap<>(good.tensors());
        extra.put("fc3.weight", Tensor.of(new float[40], 4, 10));
        assertThatThrownBy(() -> importTensors(extra)).hasMessageEndingWith(
                "extra tensor(s) fc3.weight [4, 10]: lenet5 has 2 linear layer(s)");
        Map<String, Tensor> misshapen = new LinkedHashMap<>(good.tensors());
        misshapen.put("conv1.weight", Tensor.of(new float[6 * 9], 6, 1, 3, 3));
        assertThatThrownBy(() -> importTensors(misshapen)).hasMessageEndingWith(
                "tensor conv1.weight has shape [6, 1, 3, 3], but lenet5's layer 1 (Conv2d) needs [6, 1, 5, 5]");
        Path f64 = dir.resolve("f64.safetensors");
        String header = "{\"w\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,16]}}";
        Files.write(f64, cat(le(header.length()), bytes(header), new byte[16]));
        assertThatThrownBy(() -> Import.run(f64, dir.resolve("o"), options("lenet5"))).hasMessageContaining("w is float64");
    }

    @Test
    void truncatedAndForeignFilesAreOneLine() throws IOException {
        byte[] whole = Files.readAllBytes(FIXTURES.resolve("lenet5.pth"));
        Path cut = Files.write(dir.resolve("cut.pth"), Arrays.copyOf(whole, whole.length / 2));
        assertThatThrownBy(() -> Import.run(cut, dir.resolve("o"), options("lenet5"))).isInstanceOf(DigitlabException.class)
                .hasMessageContaining("truncated");
        Path text = Files.writeString(dir.resolve("notes.pth"), "hello");
        assertThatThrownBy(() -> Import.run(text, dir.resolve("o"), options("lenet5")))
                .hasMessage(text + ": neither a PyTorch file (torch.save, torch.jit.save) nor safetensors");
        byte[] list = cat(new byte[] {(byte) 0x80, 2, ']', '(', 'K', 1, 'K', 2, 'e', '.'});
        Path notDict = zip(dir.resolve("list.pth"), Map.of("archive/data.pkl", list));
        assertThatThrownBy(() -> Import.run(notDict, dir.resolve("o"), options("lenet5")))
                .hasMessage(notDict + ": holds a ArrayList, not a state_dict (an ordered dict of tensors)");
        Path bigHeader = Files.write(dir.resolve("big.safetensors"), cat(le(1L << 40), bytes("{}")));
        assertThatThrownBy(() -> Import.run(bigHeader, dir.resolve("o"), options("lenet5")))
                .hasMessageContaining("header length 1099511627776 does not fit a file of 10 bytes");
    }

    @Test
    void modulesAreMatchedByTheirKeysAndShapesNotByTheFilesOrder() throws IOException {
        StateDict good = SafeTensors.read(FIXTURES.resolve("lenet5.safetensors"));
        Map<String, Tensor> renamed = new LinkedHashMap<>();
        // an author who named the linear layers so that they sort the wrong way round: their shapes still place them
        good.tensors().forEach((k, v) -> renamed.put(k.replace("fc1", "zz_hidden").replace("fc2", "aa_out"), v));
        Path f = dir.resolve("renamed.safetensors");
        SafeTensors.write(f, renamed, Map.of());
        assertSamePredictionsAsPyTorch(Import.run(f, dir.resolve("renamed"), options("lenet5")).folder());
    }

    @Test
    void whenSeveralAssignmentsFitTheImportIsRefusedUntilAKeyMapNamesTheOrder() throws IOException {
        Path exported = dir.resolve("best-pt");
        TorchExport.write(Path.of("models/best"), exported);
        // best has three BatchNorms of 32 channels and three of 64 (and one of 128): with names that say nothing about their order
        // (and a safetensors header, which has none), only a key map can place them
        String[] names = {"norm_c", "norm_a", "norm_b", "norm_f", "norm_d", "norm_e", "norm_g"};
        StateDict export = SafeTensors.read(exported.resolve(TorchExport.WEIGHTS));
        List<String> norms = export.tensors().keySet().stream().filter(k -> k.endsWith(".running_var"))
                .map(k -> k.substring(0, k.lastIndexOf('.'))).toList();
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        List<String> keyMap = new java.util.ArrayList<>();
        export.tensors().forEach((k, v) -> {
            String prefix = k.substring(0, k.lastIndexOf('.'));
            String name = norms.contains(prefix) ? names[norms.indexOf(prefix)] : prefix;
            if (!keyMap.contains(name)) {
                keyMap.add(name);
            }
            tensors.put(name + k.substring(k.lastIndexOf('.')), v);
        });
        Path f = dir.resolve("unordered.safetensors");
        SafeTensors.write(f, tensors, export.metadata());
        assertThatThrownBy(() -> Import.run(f, dir.resolve("refused"), options("best"))).isInstanceOf(DigitlabException.class)
                .hasMessageContaining("its modules fit best's layers in more than one way")
                .hasMessageContaining("layer 3 (BatchNorm2d): norm_a or norm_b or norm_c;")
                .hasMessageContaining("layer 19 (BatchNorm2d): norm_d or norm_e or norm_f)").hasMessageContaining("keyMap");
        Path out = dir.resolve("mapped");
        // no normalisation named: the export recorded the model's own (its training set's statistics) in the header
        Import.run(f, out, new Import.Options("best", null, Dataset.MNIST, keyMap, false));
        assertThat(ModelFolder.readSidecar(out).mean()).isEqualTo(ModelFolder.readSidecar(Path.of("models/best")).mean());
        assertThat(logits(out).logits()).as("the shipped model, out to PyTorch and back: the same arithmetic")
                .isEqualTo(logits(Path.of("models/best")).logits());
    }

    private static void assertSamePredictionsAsPyTorch(Path folder) throws IOException {
        Inference.Outputs got = logits(folder);
        byte[] predictions = Files.readAllBytes(FIXTURES.resolve("lenet5.predictions"));
        for (int i = 0; i < predictions.length; i++) {
            assertThat(got.predicted(i)).isEqualTo(predictions[i]);
        }
    }

    private void importTensors(Map<String, Tensor> tensors) {
        Path f = dir.resolve("t" + System.nanoTime() + ".safetensors");
        SafeTensors.write(f, tensors, Map.of());
        try {
            Import.run(f, dir.resolve("o" + System.nanoTime()), options("lenet5"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- bytes -------------------------------------------------------------------------------------------------------

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static byte[] shortUnicode(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return cat(new byte[] {(byte) 0x8c, (byte) b.length}, b);
    }

    static byte[] le(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }

    static byte[] cat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    static Path zip(Path file, Map<String, byte[]> entries) throws IOException {
        try (var zip = new ZipOutputStream(Files.newOutputStream(file))) {
            for (var e : entries.entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey()));
                zip.write(e.getValue());
                zip.closeEntry();
            }
        }
        return file;
    }
}
