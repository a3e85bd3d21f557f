package dev.digitlab.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.google.protobuf.ByteString;
import dev.digitlab.DigitlabException;
import dev.digitlab.train.tensorboard.TensorBoard.DataClass;
import dev.digitlab.train.tensorboard.TensorBoard.DataType;
import dev.digitlab.train.tensorboard.TensorBoard.Event;
import dev.digitlab.train.tensorboard.TensorBoard.Summary;
import dev.digitlab.train.tensorboard.TensorBoard.SummaryMetadata;
import dev.digitlab.train.tensorboard.TensorBoard.TensorProto;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * Training written as TensorBoard event files ({@code --tensorboard DIR}): the run's configuration as text, scalars
 * every {@link #EVERY} steps ({@code train/loss}, {@code train/accuracy}, {@code train/lr}, {@code
 * train/images_per_second}, averaged over those steps) and per epoch ({@code epoch/...}), against the optimiser's
 * step count, so a resumed run continues the same curves. Each record is TensorBoard's: the payload's length as 8
 * bytes, its masked CRC-32C, the serialised {@code Event}, the payload's masked CRC-32C.
 */
public final class TensorBoardLog implements TrainingListener, AutoCloseable {
    public static final int EVERY = 20;
    private final Path dir;
    private OutputStream out;
    private long lastStep;
    private double loss;
    private double accuracy;
    private int images;
    private int steps;
    private long since;

    public TensorBoardLog(Path dir) {
        this.dir = dir;
    }

    @Override
    public void started(Start s) {
        try {
            Files.createDirectories(dir);
            String host = InetAddress.getLocalHost().getHostName();
            Path file = dir.resolve("events.out.tfevents." + System.currentTimeMillis() / 1000 + "." + host + ".digitlab");
            out = new BufferedOutputStream(Files.newOutputStream(file, StandardOpenOption.CREATE_NEW));
        } catch (IOException e) {
            throw new DigitlabException("cannot write TensorBoard events in " + dir + ": " + e.getMessage());
        }
        lastStep = s.checkpoint().state().optimizerStep();
        write(Event.newBuilder().setWallTime(now()).setFileVersion("brain.Event:2").build());
        try {
            String config = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(s.config());
            write(text("config", "```\n" + config + "\n```", lastStep));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        since = System.nanoTime();
        flush();
    }

    @Override
    public void step(Step s) {
        loss += s.loss() * s.images();
        accuracy += s.correct();
        images += s.images();
        steps++;
        if (steps == EVERY || s.step() == s.stepsPerEpoch()) {
            double seconds = (System.nanoTime() - since) / 1e9;
            write(scalars(s.globalStep(), "train/loss", loss / images, "train/accuracy", accuracy / images, "train/lr", s.lr(),
                    "train/images_per_second", images / Math.max(seconds, 1e-9)));
            loss = 0;
            accuracy = 0;
            images = 0;
            steps = 0;
            since = System.nanoTime();
        }
    }

    @Override
    public void epochEnded(Epoch e) {
        EpochStats st = e.stats();
        lastStep = e.checkpoint().state().optimizerStep();
        write(scalars(lastStep, "epoch/train_loss", st.trainLoss(), "epoch/train_accuracy", st.trainAccuracy(),
                "epoch/val_loss", st.valLoss(), "epoch/val_accuracy", st.valAccuracy(), "epoch/seconds", st.seconds()));
        flush();
    }

    @Override
    public void finished(Finish f) {
        if (!Double.isNaN(f.result().testAccuracy())) {
            write(scalars(lastStep, "test/loss", f.result().testLoss(), "test/accuracy", f.result().testAccuracy()));
        }
        close();
    }

    /** Scalars in one event: tag, value, tag, value ... NaN values (no validation split) are left out. */
    static Event scalars(long step, Object... tagValue) {
        Summary.Builder s = Summary.newBuilder();
        for (int i = 0; i < tagValue.length; i += 2) {
            double v = ((Number) tagValue[i + 1]).doubleValue();
            if (!Double.isNaN(v)) {
                s.addValue(Summary.Value.newBuilder().setTag((String) tagValue[i]).setSimpleValue((float) v));
            }
        }
        return Event.newBuilder().setWallTime(now()).setStep(step).setSummary(s).build();
    }

    /** A text summary as TensorBoard's text plugin reads it: a string tensor with the plugin's metadata. */
    static Event text(String tag, String markdown, long step) {
        SummaryMetadata meta = SummaryMetadata.newBuilder().setPluginData(SummaryMetadata.PluginData.newBuilder()
                .setPluginName("text")).setDataClass(DataClass.DATA_CLASS_TENSOR).build();
        TensorProto tensor = TensorProto.newBuilder().setDtype(DataType.DT_STRING).addStringVal(ByteString.copyFromUtf8(markdown)).build();
        return Event.newBuilder().setWallTime(now()).setStep(step).setSummary(Summary.newBuilder()
                .addValue(Summary.Value.newBuilder().setTag(tag).setMetadata(meta).setTensor(tensor))).build();
    }

    private static double now() {
        return System.currentTimeMillis() / 1000.0;
    }

    /** One record: length, masked CRC of the length, the event, masked CRC of the event. */
    private void write(Event e) {
        byte[] data = e.toByteArray();
        byte[] length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(data.length).array();
        try {
            out.write(length);
            out.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(maskedCrc(length)).array());
            out.write(data);
            out.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(maskedCrc(data)).array());
        } catch (IOException ex) {
            throw new DigitlabException("cannot write TensorBoard events in " + dir + ": " + ex.getMessage());
        }
    }

    /** TensorFlow's masked CRC-32C: rotated right by 15 bits, plus a constant (so a CRC of CRCs is not trivial). */
    public static int maskedCrc(byte[] data) {
        CRC32C crc = new CRC32C();
        crc.update(data);
        int c = (int) crc.getValue();
        return ((c >>> 15) | (c << 17)) + 0xa282ead8;
    }

    private void flush() {
        try {
            out.flush();
        } catch (IOException e) {
            throw new DigitlabException("cannot write TensorBoard events in " + dir + ": " + e.getMessage());
        }
    }

    @Override
    public void close() {
        if (out != null) {
            try {
                out.close();
            } catch (IOException e) {
                throw new DigitlabException("cannot write TensorBoard events in " + dir + ": " + e.getMessage());
            }
            out = null;
        }
    }
}
