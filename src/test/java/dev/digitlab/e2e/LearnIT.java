package dev.digitlab.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.digitlab.Sha256;
import dev.digitlab.Slow;
import dev.digitlab.TestData;
import dev.digitlab.data.Digits;
import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code digitlab learn} through the launcher, from the shipped LeNet-5: a new hand learnt and recorded, the guard
 * refusing a fine-tune that forgets and a flood that teaches ones as sevens, conflicting and repeated rows dropped,
 * a killed learn leaving the parent as it was.
 */
@Slow // ./digitlab as child processes
public class LearnIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path work;
    private Launcher digitlab;
    private Path parent;

    @BeforeEach
    void copyTheShippedModel() throws IOException {
        digitlab = new Launcher(Launcher.projectRoot(), work);
        parent = work.resolve("lenet5");
        Files.createDirectories(parent);
        for (String f : List.of("model.json", "model.params")) {
            Files.copy(Path.of(digitlab.shipped("lenet5")).resolve(f), parent.resolve(f));
        }
    }

    @Test
    void learnsANewHandAndRecordsWhereItCameFrom() throws Exception {
        Path feedback = hand(work.resolve("feedback.csv"), 0, 500); // 100 held out: a gain of several drawings, not one
        Path others = hand(work.resolve("others.csv"), 5000, 10000);
        String paramsBefore = Sha256.of(parent.resolve("model.params"));
        Launcher.Run learn = digitlab.run("learn", "--model", "lenet5", "--feedback", "feedback.csv", "--out", "v2").ok();
        assertThat(learn.out()).contains("guard: promoted").doesNotContain("candidate");
        assertThat(learn.err()).contains("feedback.csv: 500 rows, 0 dropped for conflicting labels, 0 repeats counted once; "
                + "learning from 400, judging by 100 held out");
        double before = Double.parseDouble(learn.find("held-out feedback +([\\d.]+) %"));
        double after = Double.parseDouble(learn.find("held-out feedback +[\\d.]+ % +([\\d.]+) %"));
        assertThat(after).isGreaterThan(before);

        JsonNode sidecar = JSON.readTree(work.resolve("v2/model.json").toFile());
        JsonNode record = sidecar.at("/source/learned");
        assertThat(record.path("parent").asText()).isEqualTo(parent.toAbsolutePath().normalize().toString());
        assertThat(record.at("/feedback/sha256").asText()).isEqualTo(Sha256.of(feedback));
        assertThat(record.at("/feedback/rows").asInt()).isEqualTo(500);
        assertThat(record.path("promoted").asBoolean()).isTrue();
        assertThat(sidecar.at("/training/model").asText()).as("the parent's training record stays").isEqualTo("lenet5");
        String printed = learn.find("MNIST test +[\\d.]+ % +([\\d.]+) %");
        assertThat(String.format("%.2f", 100 * sidecar.at("/metrics/testAccuracy").asDouble())).isEqualTo(printed);
        assertThat(Sha256.of(parent.resolve("model.params"))).as("the parent is not changed").isEqualTo(paramsBefore);

        // the same hand's other digits, which learn never saw, are read better by the new model
        double parentOnOthers = accuracy(digitlab.run("evaluate", "--model", "lenet5", "--data", others.toString(), "--json").ok());
        double newOnOthers = accuracy(digitlab.run("evaluate", "--model", "v2", "--data", others.toString(), "--json").ok());
        assertThat(newOnOthers).isGreaterThan(parentOnOthers + 0.05);
    }

    @Test
    void withoutReplayTheModelForgetsAndTheGuardKeepsItAsACandidate() throws Exception {
        hand(work.resolve("feedback.csv"), 0, 300);
        Launcher.Run learn = digitlab.run("learn", "--model", "lenet5", "--feedback", "feedback.csv", "--out", "v2",
                "--replay", "0", "--epochs", "20", "--lr", "1e-3");
        assertThat(learn.exitCode()).as(learn.out() + learn.err()).isEqualTo(3);
        assertThat(learn.out()).contains("guard: refused").containsPattern("fell [^\\n]*more than the")
                .contains("a candidate only");
        assertThat(JSON.readTree(work.resolve("v2/model.json").toFile()).at("/source/learned/promoted").asBoolean(true)).isFalse();
    }

    @Test
    void aFloodOfOnesLabelledSevenIsRefused() throws Exception {
        Digits train = TestData.mnist().train();
        List<Integer> ones = new ArrayList<>();
        for (int i = 0; i < train.size() && ones.size() < 500; i++) {
            if (train.label(i) == 1) {
                ones.add(i);
            }
        }
        write(work.resolve("poison.csv"), ones.stream().map(i -> row(7, pixels(train.image(i)))).toList());
        Launcher.Run learn = digitlab.run("learn", "--model", "lenet5", "--feedback", "poison.csv", "--out", "poisoned");
        assertThat(learn.exitCode()).as(learn.out() + learn.err()).isEqualTo(3);
        assertThat(learn.out()).contains("guard: refused").containsPattern("class 1 fell [\\d.]+ % -> [\\d.]+ %, more than");
    }

    @Test
    void drawingsWithTwoLabelsAreDroppedAndRepeatsCountOnce() throws Exception {
        Digits test = TestData.mnist().test();
        List<String> rows = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            rows.add(row(test.label(i), pixels(test.image(i))));
        }
        int[] same = pixels(test.image(100));
        rows.add(row(3, same));
        rows.add(row(5, same)); // the same drawing, told both ways
        int[] again = pixels(test.image(101));
        for (int k = 0; k < 4; k++) {
            again[k] = k; // a copy with a little noise is still the same drawing
            rows.add(row(test.label(101), again.clone()));
        }
        write(work.resolve("feedback.csv"), rows);
        Launcher.Run learn = digitlab.run("learn", "--model", "lenet5", "--feedback", "feedback.csv", "--out", "v2", "--epochs", "1");
        assertThat(learn.exitCode()).as(learn.err()).isIn(0, 3);
        Launcher.assertCleanStandardError("learn", learn.err());
        assertThat(learn.err()).contains("36 rows, 2 dropped for conflicting labels, 3 repeats counted once; learning from 25, "
                + "judging by 6 held out");
    }

    @Test
    void aKilledLearnLeavesTheParentAsItWasAndNoHalfModel() throws Exception {
        hand(work.resolve("feedback.csv"), 0, 300);
        String paramsBefore = Sha256.of(parent.resolve("model.params"));
        String sidecarBefore = Files.readString(parent.resolve("model.json"));
        try (Launcher.Background learn = digitlab.start("learn", "--model", "lenet5", "--feedback", "feedback.csv",
                "--out", "v2", "--epochs", "500")) {
            long deadline = System.currentTimeMillis() + 180_000;
            while (!learn.err().contains("fine-tuning") && learn.alive() && System.currentTimeMillis() < deadline) {
                Thread.sleep(100);
            }
            assertThat(learn.err()).contains("fine-tuning");
            Thread.sleep(1000);
            assertThat(learn.alive()).as("still fine-tuning 500 epochs").isTrue();
            learn.kill();
        }
        assertThat(work.resolve("v2")).doesNotExist();
        assertThat(Sha256.of(parent.resolve("model.params"))).isEqualTo(paramsBefore);
        assertThat(Files.readString(parent.resolve("model.json"))).isEqualTo(sidecarBefore);
        // the next learn into the same folder starts clean
        Launcher.Run again = digitlab.run("learn", "--model", "lenet5", "--feedback", "feedback.csv", "--out", "v2", "--epochs", "1");
        assertThat(again.exitCode()).as(again.err()).isIn(0, 3);
        assertThat(work.resolve("v2/model.params")).exists();
        try (var left = Files.list(work)) {
            assertThat(left.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains(".learning"));
        }
    }

    @Test
    void anEnsembleLearnsMemberByMemberAndStaysAnEnsemble() throws Exception {
        digitlab.run("train", "--ensemble", "2", "--epochs", "1", "--limit", "2000", "--out", "ens").ok();
        hand(work.resolve("feedback.csv"), 0, 100);
        Launcher.Run learn = digitlab.run("learn", "--model", "ens", "--feedback", "feedback.csv", "--out", "ens2", "--epochs", "1");
        assertThat(learn.exitCode()).as(learn.err()).isIn(0, 3);
        assertThat(learn.err()).contains("fine-tuning member 1 of 2").contains("fine-tuning member 2 of 2");
        JsonNode ensemble = JSON.readTree(work.resolve("ens2/ensemble.json").toFile());
        assertThat(ensemble.path("members").toString()).isEqualTo("[\"member-1\",\"member-2\"]");
        assertThat(ensemble.at("/metrics/learned/parent").asText()).isEqualTo(work.resolve("ens").toAbsolutePath().toString());
        assertThat(ensemble.at("/metrics/learned/promoted").asBoolean()).isEqualTo(learn.exitCode() == 0);
        String printed = learn.find("MNIST test +[\\d.]+ % +([\\d.]+) %");
        Launcher.Run evaluate = digitlab.run("evaluate", "--model", "ens2", "--json").ok();
        assertThat(String.format("%.2f", 100 * accuracy(evaluate))).isEqualTo(printed);
    }

    @Test
    void badInputGetsOneLineNamingTheFile() throws Exception {
        hand(work.resolve("feedback.csv"), 0, 300);
        Files.writeString(work.resolve("unlabelled.csv"), "pixel0\n");
        String header = Files.readAllLines(work.resolve("feedback.csv")).get(0);
        Files.writeString(work.resolve("few.csv"), header + "\n" + Files.readAllLines(work.resolve("feedback.csv")).get(1) + "\n");
        Files.createDirectories(work.resolve("taken"));
        for (String[] bad : List.of(
                new String[] {"--feedback", "few.csv", "--out", "v2"},
                new String[] {"--feedback", "feedback.csv", "--out", "taken"},
                new String[] {"--feedback", "missing.csv", "--out", "v2"})) {
            List<String> args = new ArrayList<>(List.of("learn", "--model", "lenet5"));
            args.addAll(List.of(bad));
            Launcher.Run r = digitlab.run(args.toArray(String[]::new));
            assertThat(r.exitCode()).as(r.err()).isEqualTo(1);
            assertThat(r.err().lines().toList()).as(r.err()).hasSize(1);
            assertThat(r.err()).startsWith("digitlab: error: ").contains(bad[1].equals("feedback.csv") ? "taken" : bad[1]);
        }
        assertThat(work.resolve("v2")).doesNotExist();
    }

    private static double accuracy(Launcher.Run evaluate) throws IOException {
        return JSON.readTree(evaluate.out()).path("accuracy").asDouble();
    }

    /**
     * MNIST test digits {@code from..to-1} as another person would draw them: rows shifted right the higher they sit
     * (a slant of two pixels in three), strokes thickened by a pixel on every side.
     */
    static Path hand(Path csv, int from, int to) throws IOException {
        Digits test = TestData.mnist().test();
        List<String> rows = new ArrayList<>();
        for (int i = from; i < to; i++) {
            int[] slanted = new int[Digits.PIXELS];
            for (int y = 0; y < Digits.SIDE; y++) {
                int shift = 2 * (Digits.SIDE / 2 - y) / 3;
                for (int x = 0; x < Digits.SIDE; x++) {
                    int sx = x - shift;
                    slanted[y * Digits.SIDE + x] = sx < 0 || sx >= Digits.SIDE ? 0 : test.image(i)[y * Digits.SIDE + sx] & 0xff;
                }
            }
            int[] thick = new int[Digits.PIXELS];
            for (int y = 0; y < Digits.SIDE; y++) {
                for (int x = 0; x < Digits.SIDE; x++) {
                    for (int yy = Math.max(0, y - 1); yy <= Math.min(Digits.SIDE - 1, y + 1); yy++) {
                        for (int xx = Math.max(0, x - 1); xx <= Math.min(Digits.SIDE - 1, x + 1); xx++) {
                            thick[y * Digits.SIDE + x] = Math.max(thick[y * Digits.SIDE + x], slanted[yy * Digits.SIDE + xx]);
                        }
                    }
                }
            }
            rows.add(row(test.label(i), thick));
        }
        write(csv, rows);
        return csv;
    }

    private static int[] pixels(byte[] image) {
        int[] p = new int[image.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = image[i] & 0xff;
        }
        return p;
    }

    private static String row(int label, int[] pixels) {
        StringBuilder sb = new StringBuilder().append(label);
        for (int v : pixels) {
            sb.append(',').append(v);
        }
        return sb.toString();
    }

    private static void write(Path csv, List<String> rows) throws IOException {
        try (Writer w = Files.newBufferedWriter(csv)) {
            w.write("label");
            for (int i = 0; i < Digits.PIXELS; i++) {
                w.write(",pixel" + i);
            }
            w.write('\n');
            for (String r : rows) {
                w.write(r + '\n');
            }
        }
    }
}
