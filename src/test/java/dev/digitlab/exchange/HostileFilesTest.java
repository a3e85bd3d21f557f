package dev.digitlab.exchange;

import static dev.digitlab.exchange.ImportTest.bytes;
import static dev.digitlab.exchange.ImportTest.cat;
import static dev.digitlab.exchange.ImportTest.shortUnicode;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.digitlab.Child;
import dev.digitlab.Slow;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The attacks of issue #25, each built here byte by byte and run as {@code digitlab} in its own JVM of 256 MB, so that
 * an OutOfMemoryError or a StackOverflowError would be the real thing: every one must end in exit code 1 and exactly
 * one standard-error line, {@code digitlab: error: FILE: ...}. The wall time of each is printed (the figures in
 * docs/RELIABILITY.md); the only limit asserted is a hang guard.
 */
@Slow // each attack in a JVM of its own
class HostileFilesTest {
    static final Path FIXTURES = ImportTest.FIXTURES;
    /** Where script-writes-file.pt's forward maps its file (interop/torchscript_fixtures.py). */
    static final Path WRITTEN = Path.of("/tmp/digitlab-pwned");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    record Outcome(int exit, List<String> err, long millis) {}

    static Outcome digitlab(String... args) throws Exception {
        return digitlab("-Xmx256m", List.of(args));
    }

    static Outcome digitlab(String heap, List<String> args) throws Exception {
        long start = System.nanoTime();
        Path err = Files.createTempFile("hostile", ".err");
        try {
            Process p = new ProcessBuilder(Child.command(List.of(heap), args))
                    .redirectError(err.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) { // a hang guard only
                p.destroyForcibly();
                throw new AssertionError("digitlab " + args + " still running after 60 s");
            }
            return new Outcome(p.exitValue(), Files.readAllLines(err), (System.nanoTime() - start) / 1_000_000);
        } finally {
            Files.deleteIfExists(err);
        }
    }

    /** Exit 1, one line, naming {@code file}, saying {@code what}. */
    static void refused(String probe, Outcome o, Path file, String what) {
        System.out.printf("%-46s %5d ms  %s%n", probe, o.millis(), o.err().isEmpty() ? "" : o.err().get(0));
        assertThat(o.err()).as(probe).hasSize(1);
        assertThat(o.exit()).as(probe).isEqualTo(1);
        assertThat(o.err().get(0)).as(probe).startsWith("digitlab: error: " + file).contains(what).hasSizeLessThan(400);
    }

    Outcome importing(Path file) throws Exception {
        return digitlab("import", file.toString(), "--arch", "lenet5", "--out", dir.resolve("out-" + file.getFileName()).toString());
    }

    @Test
    void theJvmsStartAloneForComparison() throws Exception {
        Outcome o = digitlab("--version");
        System.out.printf("%-46s %5d ms  (JVM start, for comparison)%n", "digitlab --version", o.millis());
        assertThat(o.exit()).isZero();
        assertThat(o.err()).isEmpty();
    }

    // ---- pickles -----------------------------------------------------------------------------------------------------

    @Test
    void negativeAndHugeLengthsInAPickle() throws Exception {
        Map<String, byte[]> probes = new LinkedHashMap<>();
        probes.put("BINUNICODE of length -1", cat(proto(), new byte[] {'X'}, le32(-1), stop()));
        probes.put("BINBYTES of length -2", cat(proto(), new byte[] {'B'}, le32(-2), stop()));
        probes.put("LONG4 of length -1", cat(proto(), new byte[] {(byte) 0x8b}, le32(-1), stop()));
        probes.put("BINUNICODE8 of length 2^62", cat(proto(), new byte[] {(byte) 0x8d}, le64(1L << 62), stop()));
        probes.put("BINBYTES of 2^31-1 bytes in 20", cat(proto(), new byte[] {'B'}, le32(Integer.MAX_VALUE), stop()));
        int i = 0;
        for (var p : probes.entrySet()) {
            Path f = ImportTest.zip(dir.resolve("length" + i++ + ".pth"), Map.of("archive/data.pkl", p.getValue()));
            refused(p.getKey(), importing(f), f, "the pickle claims a value of");
        }
        Path legacy = Files.write(dir.resolve("legacy-negative.pth"), cat(proto(), new byte[] {'X'}, le32(-7), stop()));
        refused("legacy BINUNICODE of length -7", importing(legacy), legacy, "the pickle claims a value of -7 bytes");
    }

    @Test
    void aLegacyMagicNumberOf400KilobytesIsNotDecoded() throws Exception {
        byte[] digits = new byte[400_000];
        new Random(1).nextBytes(digits);
        Path f = Files.write(dir.resolve("long4.pth"), cat(proto(), new byte[] {(byte) 0x8b}, le32(digits.length), digits, stop()));
        refused("legacy magic as a 400 KB LONG4", importing(f), f, "a pickled integer of 400000 bytes");
        Path text = Files.write(dir.resolve("long.pth"), cat(proto(), bytes("L" + "9".repeat(300_000) + "L\n"), stop()));
        refused("legacy magic as 300,000 decimal digits", importing(text), text, "a pickled number longer than");
    }

    @Test
    void containersTheFileBuildsAreNeverHashedOrPrinted() throws Exception {
        // lists nested 300,000 deep as a dict key: EMPTY_DICT, 300,000 EMPTY_LIST, 299,999 APPEND, BININT1 1, SETITEM
        int deep = 300_000;
        byte[] nested = cat(proto(), new byte[] {'}'}, repeat((byte) ']', deep), repeat((byte) 'a', deep - 1),
                new byte[] {'K', 1, 's'}, stop());
        Path f = ImportTest.zip(dir.resolve("deep.pth"), Map.of("archive/data.pkl", nested));
        refused("lists 300,000 deep as a dict key", importing(f), f, "a dict key that is a ArrayList");

        // 40 levels of lists that hold the level below twice: 2^40 steps to hash, a 24 KB line to print 12 of them
        ByteArrayOutputStream shared = new ByteArrayOutputStream();
        shared.writeBytes(cat(proto(), new byte[] {'}', ']', 'q', 0, '0'}));
        for (int level = 1; level <= 40; level++) {
            shared.writeBytes(new byte[] {'(', 'h', (byte) (level - 1), 'h', (byte) (level - 1), 'l', 'q', (byte) level, '0'});
        }
        shared.writeBytes(cat(new byte[] {'h', 40, 'K', 1, 's'}, stop()));
        Path g = ImportTest.zip(dir.resolve("shared.pth"), Map.of("archive/data.pkl", shared.toByteArray()));
        refused("shared lists 40 levels deep as a dict key (" + shared.size() + " B)", importing(g), g,
                "a dict key that is a ArrayList");

        // the same list as a state_dict entry's name: the message names its type, never its content
        byte[] asName = cat(proto(), bytes("ccollections\nOrderedDict\n"), new byte[] {')', 'R'},
                Arrays.copyOfRange(shared.toByteArray(), 3, shared.size() - 6), new byte[] {'h', 12, 'K', 1, 's'}, stop());
        Path h = ImportTest.zip(dir.resolve("name.pth"), Map.of("archive/data.pkl", asName));
        refused("shared lists as a state_dict name", importing(h), h, "a dict key that is a ArrayList");

        byte[] set = cat(proto(), new byte[] {(byte) 0x8f, '(', ']', (byte) 0x90}, stop());
        Path s = ImportTest.zip(dir.resolve("set.pth"), Map.of("archive/data.pkl", set));
        refused("a set of lists", importing(s), s, "the pickle builds a set");
    }

    @Test
    void tensorsAndStoragesAreCountedOverTheWholeFile() throws Exception {
        // one float, viewed as [46340, 46340] through strides of 0: 2^31 elements to make
        Path stride0 = ImportTest.zip(dir.resolve("stride0.pth"), Map.of("archive/data.pkl",
                stateDict(List.of(tensor("w", "0", 1, 46340, 46340, 0, 0))), "archive/data/0", new byte[4]));
        refused("a stride-0 tensor of [46340, 46340]", importing(stride0), stride0, "elements, more than digitlab makes from one file");

        // nine views of [2048, 2048]: each 4 M elements, below any per-tensor limit; 37.7 M together
        List<byte[]> views = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            views.add(tensor("w" + i, "0", 1, 2048, 2048, 0, 0));
        }
        Path many = ImportTest.zip(dir.resolve("views.pth"), Map.of("archive/data.pkl", stateDict(views), "archive/data/0", new byte[4]));
        refused("nine stride-0 views of [2048, 2048]", importing(many), many, "elements, more than digitlab makes from one file");

        // a 6 MB zip whose three storages claim 2 GB each, within deflate's ratio (2 MB of deflate each)
        Random random = new Random(25);
        Map<String, byte[]> entries = new LinkedHashMap<>();
        Map<String, Long> claims = new LinkedHashMap<>();
        List<byte[]> big = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            byte[] packed = new byte[(2 << 20) + 4096];
            random.nextBytes(packed);
            entries.put("archive/data/" + i, packed);
            claims.put("archive/data/" + i, 1L << 31);
            big.add(tensor("w" + i, String.valueOf(i), (1L << 31) / 4, (1L << 31) / 4, null, 1, null));
        }
        entries.put("archive/data.pkl", stateDict(big));
        Path bomb = claiming(dir.resolve("bomb.pth"), entries, claims);
        assertThat(Files.size(bomb)).isBetween(6L << 20, 7L << 20);
        refused("a 6 MB zip of three 2 GB storages", importing(bomb), bomb, "more than digitlab reads from one file");

        // three storages of 60 MB: each under the limit, 180 MB together
        entries.clear();
        claims.clear();
        big.clear();
        for (int i = 0; i < 3; i++) {
            byte[] packed = new byte[64 << 10];
            random.nextBytes(packed);
            entries.put("archive/data/" + i, packed);
            claims.put("archive/data/" + i, 60L << 20);
            big.add(tensor("w" + i, String.valueOf(i), (60L << 20) / 4, 1, null, 1, null));
        }
        entries.put("archive/data.pkl", stateDict(big));
        Path sum = claiming(dir.resolve("sum.pth"), entries, claims);
        refused("three 60 MB storages", importing(sum), sum, "storage '2' brings the file's storages to 188743680 bytes");

        // a storage that claims more than deflate can hold
        entries.clear();
        claims.clear();
        entries.put("archive/data/0", new byte[1024]);
        claims.put("archive/data/0", 1L << 31);
        entries.put("archive/data.pkl", stateDict(List.of(tensor("w", "0", 1, 1, null, 1, null))));
        Path ratio = claiming(dir.resolve("ratio.pth"), entries, claims);
        refused("a 2 GB storage in 1 KB", importing(ratio), ratio, "claims 2147483648 bytes from");
    }

    @Test
    void safetensorsWhoseTensorsOverlapAreCountedEachTime() throws Exception {
        // 1,000 tensors over the same 160 KB: 40 M floats
        StringBuilder header = new StringBuilder("{");
        for (int i = 0; i < 1000; i++) {
            header.append(i == 0 ? "" : ",").append("\"w").append(i).append("\":{\"dtype\":\"F32\",\"shape\":[40000],\"data_offsets\":[0,160000]}");
        }
        byte[] h = header.append('}').toString().getBytes(StandardCharsets.UTF_8);
        Path f = Files.write(dir.resolve("overlap.safetensors"), cat(le64(h.length), h, new byte[160000]));
        refused("1,000 safetensors over one 160 KB range", importing(f), f, "elements, more than digitlab makes from one file");
    }

    // ---- TorchScript -------------------------------------------------------------------------------------------------

    @Test
    void aTorchScriptModuleThatWritesAFileIsRefusedAtImportAndInAFolder() throws Exception {
        Files.deleteIfExists(WRITTEN);
        Path hostile = FIXTURES.resolve("script-writes-file.pt");
        Path out = dir.resolve("script");
        Outcome o = digitlab("import", hostile.toString(), "--out", out.toString());
        refused("TorchScript calling torch.from_file", o, hostile, "refused: the module calls torch.from_file");
        assertThat(o.err().get(0)).endsWith("--trust-script imports it anyway, if you trust its source");
        assertThat(WRITTEN).doesNotExist();
        assertThat(out).doesNotExist();

        // a folder imported from a good module, whose model.pt is then swapped for the hostile one
        Import.run(FIXTURES.resolve("lenet5-script.pt"), out, ImportTest.options(null));
        Files.copy(hostile, out.resolve("model.pt"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Path picture = picture();
        refused("predict, model.pt swapped for it", digitlab("predict", "--model", out.toString(), picture.toString()),
                out.resolve("model.pt"), "refused: the module calls torch.from_file");
        assertThat(WRITTEN).doesNotExist();

        // trusted by the user: imported, recorded, and run (the file appears, as the user allowed)
        Path trusted = dir.resolve("trusted");
        try {
            Outcome t = digitlab("import", hostile.toString(), "--trust-script", "--out", trusted.toString());
            assertThat(t.exit()).as(String.join("\n", t.err())).isZero();
            assertThat(JSON.readTree(trusted.resolve("model.json").toFile()).at("/source/trustedScript").asBoolean()).isTrue();
            assertThat(WRITTEN).exists();
        } finally {
            Files.deleteIfExists(WRITTEN);
        }

        // trust is bound to the module the user trusted: a trusted folder's model.pt swapped afterwards is checked
        Path trustedGood = dir.resolve("trusted-good");
        Import.run(FIXTURES.resolve("lenet5-script.pt"), trustedGood, new Import.Options(null, Import.normalization("mnist"),
                dev.digitlab.data.Dataset.MNIST, null, true));
        Files.copy(hostile, trustedGood.resolve("model.pt"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Outcome swapped = digitlab("predict", "--model", trustedGood.toString(), picture.toString());
        refused("predict, a trusted folder's model.pt swapped", swapped, trustedGood.resolve("model.pt"),
                "refused: the module calls torch.from_file");
        assertThat(swapped.err().get(0)).contains("not the one trusted at import");
        assertThat(WRITTEN).doesNotExist();
    }

    // ---- model folders -----------------------------------------------------------------------------------------------

    @Test
    void aTorchScriptFoldersInputSizeIsChecked() throws Exception {
        Path folder = dir.resolve("script");
        Import.run(FIXTURES.resolve("lenet5-script.pt"), folder, ImportTest.options(null));
        Path picture = picture();
        for (long size : new long[] {1_000_000_000L, -5, 46341}) {
            ObjectNode sidecar = (ObjectNode) JSON.readTree(folder.resolve("model.json").toFile());
            sidecar.put("inputSize", size);
            JSON.writeValue(folder.resolve("model.json").toFile(), sidecar);
            refused("torchscript folder, inputSize " + size, digitlab("predict", "--model", folder.toString(), picture.toString()),
                    folder.resolve("model.json"), "inputSize " + size + " is not one a TorchScript model takes [28, 32]");
        }
    }

    @Test
    void aParamsFileIsCheckedAgainstItsArchitecturesLayout() throws Exception {
        Path picture = picture();
        byte[] good = Files.readAllBytes(Path.of("models/lenet5/model.params"));
        int dtype = indexOf(good, bytes("\u0000\u0007FLOAT32"));
        assertThat(dtype).isPositive();
        int shapeCount = dtype + 9;
        int dataLength = shapeCount + 4 + 4 * 8 + 4 + 4 * 2; // numDims, 4 dims, layout count, 4 layout chars
        for (var probe : Map.of("shape count", shapeCount, "data length", dataLength).entrySet()) {
            Path folder = copy(Path.of("models/lenet5"), dir.resolve(probe.getKey().replace(' ', '-')));
            byte[] bad = good.clone();
            ByteBuffer.wrap(bad).putInt(probe.getValue(), 0x7ffffff0);
            Files.write(folder.resolve("model.params"), bad);
            refused("model.params, " + probe.getKey() + " 0x7ffffff0", digitlab("predict", "--model", folder.toString(),
                    picture.toString()), folder.resolve("model.params"), "not lenet5 weights (byte " + probe.getValue());
        }
        Path longer = copy(Path.of("models/lenet5"), dir.resolve("longer"));
        Files.write(longer.resolve("model.params"), cat(good, new byte[16]));
        refused("model.params, 16 bytes longer", digitlab("predict", "--model", longer.toString(), picture.toString()),
                longer.resolve("model.params"), "not lenet5 weights (" + (good.length + 16) + " bytes; lenet5's take " + good.length + ")");
    }

    @Test
    void anOutOfMemoryErrorAnywhereIsOneLine() throws Exception {
        // evaluate holds the 10,000 test images (31 MB of floats): more than a 24 MB heap
        Outcome o = digitlab("-Xmx24m", List.of("evaluate", "--model", "models/lenet5"));
        assertThat(o.err()).hasSize(1);
        assertThat(o.exit()).isEqualTo(1);
        assertThat(o.err().get(0)).startsWith("digitlab: error: out of memory (Java heap space) while running 'evaluate --model models/lenet5'");
    }

    // ---- building the files ------------------------------------------------------------------------------------------

    static byte[] proto() {
        return new byte[] {(byte) 0x80, 2};
    }

    static byte[] stop() {
        return new byte[] {'.'};
    }

    static byte[] le32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }

    static byte[] le64(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }

    static byte[] repeat(byte b, int n) {
        byte[] out = new byte[n];
        Arrays.fill(out, b);
        return out;
    }

    /** An OrderedDict of the given entries, as torch.save pickles a state_dict (protocol 2). */
    static byte[] stateDict(List<byte[]> entries) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(cat(proto(), bytes("ccollections\nOrderedDict\n"), new byte[] {')', 'R', '('}));
        entries.forEach(out::writeBytes);
        out.writeBytes(new byte[] {'u', '.'});
        return out.toByteArray();
    }

    /**
     * {@code name: _rebuild_tensor_v2(storage(key, FloatStorage, numel), 0, size, stride, False, OrderedDict())}, of one
     * or two dimensions (d1 and s1 null for one).
     */
    static byte[] tensor(String name, String key, long numel, long d0, Long d1, long s0, Long s1) {
        byte[] size = d1 == null ? cat(integer(d0), new byte[] {(byte) 0x85}) : cat(integer(d0), integer(d1), new byte[] {(byte) 0x86});
        byte[] stride = s1 == null ? cat(integer(s0), new byte[] {(byte) 0x85}) : cat(integer(s0), integer(s1), new byte[] {(byte) 0x86});
        return cat(shortUnicode(name), bytes("ctorch._utils\n_rebuild_tensor_v2\n"), new byte[] {'(', '('},
                shortUnicode("storage"), bytes("ctorch\nFloatStorage\n"), shortUnicode(key), shortUnicode("cpu"),
                integer(numel), new byte[] {'t', 'Q'}, integer(0), size, stride, new byte[] {(byte) 0x89},
                bytes("ccollections\nOrderedDict\n"), new byte[] {')', 'R', 't', 'R'});
    }

    static byte[] tensor(String name, String key, long numel, long d0, long d1, long s0, long s1) {
        return tensor(name, key, numel, d0, (Long) d1, s0, (Long) s1);
    }

    static byte[] integer(long v) {
        return bytes("L" + v + "L\n");
    }

    /** A zip of deflated entries whose central directory claims {@code claims} uncompressed sizes. */
    static Path claiming(Path file, Map<String, byte[]> entries, Map<String, Long> claims) throws IOException {
        byte[] zip = Files.readAllBytes(ImportTest.zip(file, entries));
        ByteBuffer b = ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN);
        for (int at = 0; at + 46 < zip.length; at++) {
            if (b.getInt(at) != 0x02014b50) {
                continue;
            }
            int nameLength = b.getShort(at + 28) & 0xffff;
            String name = new String(zip, at + 46, nameLength, StandardCharsets.UTF_8);
            if (claims.containsKey(name)) {
                b.putInt(at + 24, (int) (long) claims.get(name));
            }
        }
        return Files.write(file, zip);
    }

    Path picture() throws IOException {
        BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_INT_RGB);
        for (int y = 4; y < 24; y++) {
            img.setRGB(14, y, 0xffffff);
        }
        Path p = dir.resolve("one.png");
        ImageIO.write(img, "png", p.toFile());
        return p;
    }

    static Path copy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
        return to;
    }

    static int indexOf(byte[] in, byte[] what) {
        outer:
        for (int i = 0; i + what.length <= in.length; i++) {
            for (int j = 0; j < what.length; j++) {
                if (in[i + j] != what[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
