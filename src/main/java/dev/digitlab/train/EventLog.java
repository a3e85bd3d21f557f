package dev.digitlab.train;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import dev.digitlab.DigitlabException;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The run as it happens, one JSON object a line in {@code DIR/events.jsonl}, for the live dashboard: the start (with
 * the configuration), about {@link #POINTS} points an epoch (loss and accuracy averaged over the steps since the last
 * point, the rate, images per second), every epoch's line, and the end. Lines are appended and flushed as they come,
 * so a page that follows the file sees the run move; a resumed run appends to it.
 */
public final class EventLog implements TrainingListener, AutoCloseable {
    public static final String FILE = "events.jsonl";
    public static final int POINTS = 50;
    /** JSON for a browser: NaN (no validation split) becomes null, which JSON has and JavaScript reads. */
    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new SimpleModule()
            .addSerializer(Double.class, new NanAsNull()).addSerializer(double.class, new NanAsNull()));

    private static final class NanAsNull extends StdSerializer<Double> {
        NanAsNull() {
            super(Double.class);
        }

        @Override
        public void serialize(Double v, JsonGenerator g,
                              SerializerProvider p) throws IOException {
            if (v.isNaN() || v.isInfinite()) {
                g.writeNull();
            } else {
                g.writeNumber(v);
            }
        }
    }
    private final Path file;
    private Writer out;
    private int every;
    private double loss;
    private long correct;
    private int images;
    private int steps;
    private long since;

    public EventLog(Path runDir) {
        this.file = runDir.resolve(FILE);
    }

    @Override
    public void started(Start s) {
        try {
            Files.createDirectories(file.getParent());
            out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new DigitlabException("cannot write " + file + ": " + e.getMessage());
        }
        every = Math.max(1, s.stepsPerEpoch() / POINTS);
        Map<String, Object> m = event("start");
        m.put("config", s.config());
        m.put("epochs", s.config().epochs());
        m.put("epochsDone", s.epochsDone());
        m.put("stepsPerEpoch", s.stepsPerEpoch());
        m.put("trainImages", s.trainPart().size());
        m.put("validationImages", s.validationSize());
        write(m);
        since = System.nanoTime();
    }

    @Override
    public void step(Step s) {
        loss += s.loss() * s.images();
        correct += s.correct();
        images += s.images();
        steps++;
        if (steps == every || s.step() == s.stepsPerEpoch()) {
            Map<String, Object> m = event("step");
            m.put("epoch", s.epoch());
            m.put("step", s.step());
            m.put("stepsPerEpoch", s.stepsPerEpoch());
            m.put("globalStep", s.globalStep());
            m.put("loss", loss / images);
            m.put("accuracy", correct / (double) images);
            m.put("lr", s.lr());
            m.put("imagesPerSecond", images / Math.max((System.nanoTime() - since) / 1e9, 1e-9));
            write(m);
            loss = 0;
            correct = 0;
            images = 0;
            steps = 0;
            since = System.nanoTime();
        }
    }

    @Override
    public void epochEnded(Epoch e) {
        Map<String, Object> m = event("epoch");
        m.put("stats", e.stats());
        m.put("line", e.stats().line(e.checkpoint().state().config().epochs()));
        m.put("globalStep", e.checkpoint().state().optimizerStep());
        write(m);
    }

    @Override
    public void finished(Finish f) {
        Map<String, Object> m = event("finish");
        m.put("testLoss", Double.isNaN(f.result().testLoss()) ? null : f.result().testLoss());
        m.put("testAccuracy", Double.isNaN(f.result().testAccuracy()) ? null : f.result().testAccuracy());
        m.put("earlyStop", f.earlyStop());
        write(m);
        close();
    }

    private static Map<String, Object> event(String type) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", type);
        m.put("time", System.currentTimeMillis());
        return m;
    }

    private void write(Map<String, Object> event) {
        try {
            out.write(JSON.writeValueAsString(event));
            out.write('\n');
            out.flush();
        } catch (IOException e) {
            throw new DigitlabException("cannot write " + file + ": " + e.getMessage());
        }
    }

    @Override
    public void close() {
        if (out != null) {
            try {
                out.close();
            } catch (IOException e) {
                throw new DigitlabException("cannot write " + file + ": " + e.getMessage());
            }
            out = null;
        }
    }
}
