package dev.digitlab.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.TestData;
import dev.digitlab.train.tensorboard.TensorBoard.Event;
import dev.digitlab.train.tensorboard.TensorBoard.Summary;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The TensorBoard files of a short run read back record by record as TensorBoard's reader does: every length and
 * payload CRC right (TensorFlow's masked CRC-32C, computed here from its definition), every event parses, the first is
 * the file version, the configuration is there as text, and the per-epoch scalars are the run's own history.
 */
class TensorBoardLogTest {
    @TempDir
    Path dir;

    /** TensorFlow's mask, written out from its definition: rotate right by 15 bits, add 0xa282ead8. */
    private static int masked(byte[] b) {
        CRC32C crc = new CRC32C();
        crc.update(b);
        long c = crc.getValue();
        return (int) ((((c >>> 15) | (c << 17)) + 0xa282ead8L) & 0xffffffffL);
    }

    static List<Event> read(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        List<Event> events = new ArrayList<>();
        while (b.hasRemaining()) {
            byte[] length = new byte[8];
            b.get(length);
            assertThat(b.getInt()).as("length CRC of record %d", events.size()).isEqualTo(masked(length));
            byte[] data = new byte[(int) ByteBuffer.wrap(length).order(ByteOrder.LITTLE_ENDIAN).getLong()];
            b.get(data);
            assertThat(b.getInt()).as("payload CRC of record %d", events.size()).isEqualTo(masked(data));
            events.add(Event.parseFrom(data));
        }
        return events;
    }

    @Test
    void eventFilesReadBackWithEveryCrcAndTheRunsFigures() throws IOException {
        TrainConfig c = TrainerTest.config("mlp", "adam", "cosine", 3, 1200);
        Path tb = dir.resolve("tb");
        Path out = dir.resolve("run");
        RunFolder folder = RunFolder.open(out).fresh();
        Result r = Trainer.run(c, TestData.mnist().train(), TestData.mnist().test().subset(new int[] {0, 1, 2, 3}),
                null, List.of(new TensorBoardLog(tb), folder));
        List<Path> files;
        try (var s = Files.list(tb)) {
            files = s.toList();
        }
        assertThat(files).hasSize(1);
        assertThat(files.get(0).getFileName().toString()).startsWith("events.out.tfevents.");
        List<Event> events = read(files.get(0));
        assertThat(events.get(0).getFileVersion()).isEqualTo("brain.Event:2");
        Map<String, List<float[]>> scalars = new LinkedHashMap<>(); // tag -> (step, value)
        String config = null;
        long lastStep = 0;
        for (Event e : events.subList(1, events.size())) {
            assertThat(e.getStep()).isGreaterThanOrEqualTo(lastStep);
            lastStep = e.getStep();
            for (Summary.Value v : e.getSummary().getValueList()) {
                if (v.hasTensor()) {
                    assertThat(v.getMetadata().getPluginData().getPluginName()).isEqualTo("text");
                    config = v.getTensor().getStringVal(0).toStringUtf8();
                } else {
                    scalars.computeIfAbsent(v.getTag(), k -> new ArrayList<>()).add(new float[] {e.getStep(), v.getSimpleValue()});
                }
            }
        }
        assertThat(config).contains("\"model\" : \"mlp\"").contains("\"seed\" : 3");
        List<EpochStats> h = r.history();
        assertThat(scalars.get("epoch/train_loss")).hasSize(3);
        int stepsPerEpoch = (int) Math.ceil(960 / 32.0);
        for (int i = 0; i < 3; i++) {
            assertThat(scalars.get("epoch/train_loss").get(i)[1]).isEqualTo((float) h.get(i).trainLoss());
            assertThat(scalars.get("epoch/val_accuracy").get(i)[1]).isEqualTo((float) h.get(i).valAccuracy());
            assertThat(scalars.get("epoch/train_loss").get(i)[0]).isEqualTo((float) ((i + 1) * stepsPerEpoch));
        }
        assertThat(scalars.get("train/lr")).allSatisfy(p -> assertThat(p[1]).isBetween(0f, 1e-3f));
        assertThat(scalars.get("train/loss").size()).isEqualTo(3 * ((stepsPerEpoch + TensorBoardLog.EVERY - 1) / TensorBoardLog.EVERY));
        assertThat(scalars.get("test/accuracy").get(0)[1]).isEqualTo((float) r.testAccuracy());
    }
}
