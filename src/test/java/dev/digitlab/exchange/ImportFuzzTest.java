package dev.digitlab.exchange;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.DigitlabException;
import dev.digitlab.FuzzTest;
import dev.digitlab.Slow;
import dev.digitlab.data.Dataset;
import dev.digitlab.model.Models;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code import} of mutated real PyTorch files (src/test/resources/interop), with a fixed seed: FuzzTest's byte flips,
 * truncations, garbage and deleted slices on the whole file, and edits that aim at lengths: 4- and 8-byte words
 * inside the pickle of a zip (re-zipped so they reach the unpickler), numbers inside a safetensors header, and
 * operators in TorchScript code swapped for ones that touch files. Every case must end in a model folder or a
 * one-line DigitlabException within its deadline; never another exception, an Error or a hang. State_dicts go through
 * what import reads them with (TorchPickle or SafeTensors, then WeightMapping) and, for a share of the cases, through
 * the whole import; TorchScript files through the whole import, which checks the code, loads the module in libtorch
 * and runs it on blank images.
 */
@Slow // a fuzzer: thousands of mutated PyTorch files
class ImportFuzzTest {
    static final long SEED = 20261204;
    static final Path FIXTURES = Path.of("src/test/resources/interop");
    /** Per file; a case that takes longer is a failure (a hang guard, not a measurement). */
    static final long DEADLINE_S = 20;
    private static final long[] LENGTHS = {-1, -2, Integer.MIN_VALUE, Integer.MAX_VALUE, 0x7ffffff0, 1L << 31, 1L << 32,
            1L << 40, Long.MAX_VALUE, 0};
    private static final List<String> FORBIDDEN = List.of("torch.from_file", "torch.save", "torch.load", "ops.evil.run",
            "torch.ops.custom.open", "__torch__.torch.classes.io.Writer", "torch.set_", "open");

    @TempDir
    Path dir;

    static ExecutorService worker;

    @BeforeAll
    static void start() {
        worker = Executors.newSingleThreadExecutor();
    }

    @AfterAll
    static void stop() {
        worker.shutdownNow();
    }

    record Count(int models, int rejected) {}

    /** Imports {@code cases} mutations of {@code original}; failures name the case and what happened. */
    Count fuzz(String what, String fixture, String arch, int cases, Random random, BiFunction<byte[], Random, byte[]> mutate,
               List<String> failures) throws Exception {
        return fuzz(what, fixture, arch, cases, random, mutate, failures, false);
    }

    /** {@code whole}: the whole import, making a model folder; else only reading and fitting a state_dict. */
    Count fuzz(String what, String fixture, String arch, int cases, Random random, BiFunction<byte[], Random, byte[]> mutate,
               List<String> failures, boolean whole) throws Exception {
        byte[] original = Files.readAllBytes(FIXTURES.resolve(fixture));
        String suffix = fixture.substring(fixture.lastIndexOf('.'));
        int models = 0;
        int rejected = 0;
        long start = System.nanoTime();
        long slowest = 0;
        int slowestCase = -1;
        for (int c = 0; c < cases; c++) {
            long caseStart = System.nanoTime();
            Path file = Files.write(dir.resolve("case" + suffix), mutate.apply(original, random));
            Path out = dir.resolve("out");
            Future<?> run = worker.submit(() -> whole || arch == null
                    ? Import.run(file, out, new Import.Options(arch, Import.normalization("mnist"), Dataset.MNIST, null))
                    : WeightMapping.map(Import.detect(file) == Import.Format.SAFETENSORS ? SafeTensors.read(file)
                            : TorchPickle.read(file), Models.create(arch), null, file.toString()));
            try {
                run.get(DEADLINE_S, TimeUnit.SECONDS);
                models++;
            } catch (TimeoutException e) {
                run.cancel(true);
                failures.add(what + " case " + c + ": still running after " + DEADLINE_S + " s");
                break; // the worker is stuck; later cases would only queue behind it
            } catch (java.util.concurrent.ExecutionException e) {
                if (e.getCause() instanceof DigitlabException d) {
                    rejected++;
                    if (d.getMessage() == null || d.getMessage().chars().anyMatch(Character::isISOControl) || !d.getMessage().startsWith(file.toString())
                            && !d.getMessage().startsWith(out.toString())) {
                        failures.add(what + " case " + c + ": message " + d.getMessage());
                    }
                } else {
                    failures.add(what + " case " + c + ": " + e.getCause());
                }
            }
            delete(out);
            if (System.nanoTime() - caseStart > slowest) {
                slowest = System.nanoTime() - caseStart;
                slowestCase = c;
            }
        }
        System.out.printf("%-38s %5d cases: %5d models, %5d refused, %5.1f s (slowest: case %d, %d ms)%n", what, cases,
                models, rejected, (System.nanoTime() - start) / 1e9, slowestCase, slowest / 1_000_000);
        return new Count(models, rejected);
    }

    @Test
    void thousandsOfMutatedPyTorchFilesEndInAModelOrAOneLineError() throws Exception {
        Random random = new Random(SEED);
        List<String> failures = new ArrayList<>();
        long start = System.nanoTime();
        Count zip = fuzz("pth (zip), whole file", "lenet5.pth", "lenet5", 400, random, FuzzTest::mutate, failures);
        Count imported = fuzz("pth (zip), whole file, whole import", "lenet5.pth", "lenet5", 50, random, FuzzTest::mutate,
                failures, true);
        Count pickle = fuzz("pth (zip), words in data.pkl", "lenet5.pth", "lenet5", 600, random,
                (b, r) -> inEntry(b, "data.pkl", p -> lengthEdit(p, r)), failures);
        Count fast = fuzz("fast-cnn pth, words in data.pkl", "fast-cnn.pth", "fast-cnn", 150, random,
                (b, r) -> inEntry(b, "data.pkl", p -> lengthEdit(p, r)), failures);
        Count legacy = fuzz("pth (legacy), whole file", "lenet5-legacy.pth", "lenet5", 500, random,
                (b, r) -> r.nextBoolean() ? FuzzTest.mutate(b, r) : lengthEdit(b, r, 2048), failures);
        Count safe = fuzz("safetensors, whole file", "lenet5.safetensors", "lenet5", 400, random, FuzzTest::mutate, failures);
        Count header = fuzz("safetensors, header numbers", "lenet5.safetensors", "lenet5", 400, random,
                ImportFuzzTest::headerEdit, failures);
        Count script = fuzz("TorchScript, whole file", "lenet5-script.pt", null, 80, random, FuzzTest::mutate, failures);
        Count code = fuzz("TorchScript, operators swapped", "script-cnn-scripted.pt", null, 200, random,
                (b, r) -> inEntry(b, "/code/", c -> operatorEdit(c, r)), failures);
        // a whole module (torch.save(model)): classes, NEWOBJ, BUILD, sets of names and the module walk
        Count whole = fuzz("whole module, words in data.pkl", "../writeups/lenet5-whole.pth", "lenet5", 300, random,
                (b, r) -> inEntry(b, "data.pkl", p -> lengthEdit(p, r)), failures);
        Count wholeFile = fuzz("whole module, whole file", "../writeups/lenet5-whole.pth", "lenet5", 200, random,
                FuzzTest::mutate, failures);
        System.out.printf("all cases: %.1f s%n", (System.nanoTime() - start) / 1e9);

        assertThat(failures).isEmpty();
        // the mutations bite: most length edits are refused, and byte flips in weight data still make models
        assertThat(pickle.rejected()).isGreaterThan(400);
        assertThat(fast.rejected()).isGreaterThan(100);
        assertThat(header.rejected()).isGreaterThan(300);
        assertThat(zip.models()).isGreaterThan(100);
        assertThat(imported.models()).isGreaterThan(10);
        assertThat(legacy.rejected()).isGreaterThan(200);
        assertThat(safe.rejected()).isGreaterThan(150);
        assertThat(script.rejected()).isGreaterThan(25);
        assertThat(code.rejected()).as("every swapped operator is refused").isEqualTo(200);
        assertThat(whole.rejected()).isGreaterThan(150);
        assertThat(wholeFile.models()).isGreaterThan(30);
    }

    // ---- mutations ---------------------------------------------------------------------------------------------------

    /** A 4- or 8-byte little-endian word somewhere in {@code b} (in its first {@code within} bytes) set to a length. */
    static byte[] lengthEdit(byte[] b, Random r, int within) {
        byte[] out = b.clone();
        int width = r.nextBoolean() ? 4 : 8;
        if (out.length < width) {
            return out;
        }
        int at = r.nextInt(Math.min(out.length, within) - width + 1);
        long v = r.nextInt(4) == 0 ? r.nextLong() : LENGTHS[r.nextInt(LENGTHS.length)];
        ByteBuffer bb = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        if (width == 4) {
            bb.putInt(at, (int) v);
        } else {
            bb.putLong(at, v);
        }
        return out;
    }

    static byte[] lengthEdit(byte[] b, Random r) {
        return lengthEdit(b, r, b.length);
    }

    /** One number in a safetensors header replaced by a length, a negative or a float. */
    static byte[] headerEdit(byte[] b, Random r) {
        int n = (int) ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong();
        String header = new String(b, 8, n, StandardCharsets.UTF_8);
        List<int[]> numbers = new ArrayList<>();
        Matcher m = Pattern.compile("\\d+").matcher(header);
        while (m.find()) {
            numbers.add(new int[] {m.start(), m.end()});
        }
        int[] pick = numbers.get(r.nextInt(numbers.size()));
        long v = LENGTHS[r.nextInt(LENGTHS.length)];
        String replacement = switch (r.nextInt(4)) {
            case 0 -> String.valueOf(v);
            case 1 -> "-" + r.nextInt(1000);
            case 2 -> "1e" + r.nextInt(400);
            default -> String.valueOf(r.nextInt(1 << 20));
        };
        String edited = header.substring(0, pick[0]) + replacement + header.substring(pick[1]);
        byte[] h = edited.getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(8 + h.length + b.length - 8 - n).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(r.nextInt(8) == 0 ? n : h.length).put(h).put(b, 8 + n, b.length - 8 - n);
        return out.array();
    }

    /** One call in TorchScript code turned into a call of an operator that reaches files or native code. */
    static byte[] operatorEdit(byte[] code, Random r) {
        String s = new String(code, StandardCharsets.UTF_8);
        List<Integer> calls = new ArrayList<>();
        Matcher m = Pattern.compile("torch\\.\\w+\\(").matcher(s);
        while (m.find()) {
            calls.add(m.start());
        }
        if (calls.isEmpty()) {
            return code;
        }
        int at = calls.get(r.nextInt(calls.size()));
        int paren = s.indexOf('(', at);
        return (s.substring(0, at) + FORBIDDEN.get(r.nextInt(FORBIDDEN.size())) + s.substring(paren)).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The zip with one entry changed: the first whose name contains {@code part} and, for code, one that holds a
     * torch call (so that every case edits an operator). Entries stay uncompressed, as torch writes them.
     */
    static byte[] inEntry(byte[] zip, String part, java.util.function.UnaryOperator<byte[]> edit) {
        try {
            Map<String, byte[]> entries = new LinkedHashMap<>();
            Path copy = Files.write(Files.createTempFile("fuzz", ".zip"), zip); // torch's entries have data descriptors,
            try (ZipFile in = new ZipFile(copy.toFile())) {                    // which only ZipFile reads
                for (ZipEntry e : java.util.Collections.list(in.entries())) {
                    entries.put(e.getName(), in.getInputStream(e).readAllBytes());
                }
            } finally {
                Files.delete(copy);
            }
            String target = entries.keySet().stream().filter(n -> n.contains(part) && !n.endsWith("debug_pkl")
                            && (!part.equals("/code/") || new String(entries.get(n), StandardCharsets.UTF_8).contains("torch.")))
                    .findFirst().orElseThrow();
            entries.put(target, edit.apply(entries.get(target)));
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (ZipOutputStream out = new ZipOutputStream(bytes)) {
                for (var e : entries.entrySet()) {
                    ZipEntry z = new ZipEntry(e.getKey());
                    z.setMethod(ZipEntry.STORED);
                    z.setSize(e.getValue().length);
                    CRC32 crc = new CRC32();
                    crc.update(e.getValue());
                    z.setCrc(crc.getValue());
                    out.putNextEntry(z);
                    out.write(e.getValue());
                    out.closeEntry();
                }
            }
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void delete(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> all = Files.walk(p)) {
            for (Path q : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }
}
