package dev.digitlab.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import dev.digitlab.ServerUnderTest;
import dev.digitlab.Slow;
import dev.digitlab.TestData;
import dev.digitlab.data.Digits;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.StringJoiner;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * One short training run as the README's main job makes it (fewer images, one epoch), then what the README says to do
 * with it: evaluate, report, export, serve. Each figure is checked against another command's.
 */
@Slow // ./digitlab as child processes
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TrainedModelIT {
    @TempDir
    static Path work;

    Launcher digitlab;
    Launcher.Run train;
    Digits test;
    /** The test images evaluate got right, of 10,000: what every other way of running the model must also get. */
    int right;

    @BeforeAll
    void trainOnce() {
        test = TestData.mnist().test();
        digitlab = new Launcher(Launcher.projectRoot(), work);
        train = digitlab.run("train", "--epochs", "1", "--limit", "5000", "--seed", "1", "--out", "runs/tiny").ok();
        right = Integer.parseInt(digitlab.run("evaluate", "--model", "runs/tiny").ok().find("\\((\\d+) of 10000 right\\)"));
    }

    @Test
    void trainAndEvaluateAgreeOnTheTestAccuracy() {
        // "99.15%" of 10,000 images is 9915 of them: compared as a count, not as a rounded double
        long trained = Math.round(Double.parseDouble(train.find("test accuracy ([\\d.]+)%")) * 100);
        assertThat(trained).isEqualTo(right);
        assertThat(trained).as("one epoch on 5,000 images learns far more than chance").isGreaterThan(5000);
        assertThat(train.out()).contains("kept: the last epoch's model (epoch 1) in runs/tiny")
                .contains("best/ is the same epoch (lowest training loss)").contains("./digitlab report --model runs/tiny");
        assertThat(work.resolve("runs/tiny/checkpoint.zip")).isRegularFile();
        assertThat(work.resolve("runs/tiny/best/model.params")).isRegularFile();
    }

    @Test
    void reportStatesEvaluatesFigure() throws Exception {
        Launcher.Run report = digitlab.run("report", "--model", "runs/tiny", "--tsne-points", "100").ok();
        assertThat(report.out()).contains("wrote runs/tiny/report/index.html");
        String html = Files.readString(work.resolve("runs/tiny/report/index.html"));
        assertThat(html).contains("(" + right + " of 10000)");
        try (var pngs = Files.list(work.resolve("runs/tiny/report"))) {
            assertThat(pngs.filter(p -> p.toString().endsWith(".png")).count()).isGreaterThan(5);
        }
    }

    /** The ONNX file, run by ONNX Runtime on raw pixels, gets exactly the images right that evaluate did. */
    @Test
    void exportToOnnx() throws Exception {
        Launcher.Run export = digitlab.run("export", "--model", "runs/tiny", "--format", "onnx", "--out", "tiny.onnx").ok();
        assertThat(export.out()).contains("wrote tiny.onnx");
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        int ok = 0;
        try (OrtSession session = env.createSession(work.resolve("tiny.onnx").toString(), new OrtSession.SessionOptions())) {
            int batch = 1000;
            for (int from = 0; from < test.size(); from += batch) {
                float[] px = new float[batch * 784];
                for (int i = 0; i < batch; i++) {
                    byte[] img = test.image(from + i);
                    for (int p = 0; p < 784; p++) {
                        px[i * 784 + p] = img[p] & 0xff;
                    }
                }
                try (OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(px), new long[] {batch, 1, 28, 28});
                     OrtSession.Result r = session.run(Map.of("pixels", in))) {
                    float[][] probs = (float[][]) r.get("probabilities").orElseThrow().getValue();
                    for (int i = 0; i < batch; i++) {
                        ok += argmax(probs[i]) == test.label(from + i) ? 1 : 0;
                    }
                }
            }
        }
        assertThat(ok).isEqualTo(right);
    }

    /**
     * model.safetensors out, then in again through import with no options: the same model, the same images right. The
     * normalisation was measured on this run's 5,000 images; the export's header carries it back.
     */
    @Test
    void exportToPytorchAndImportItBack() throws Exception {
        Launcher.Run export = digitlab.run("export", "--model", "runs/tiny", "--format", "pytorch", "--out", "tiny-pytorch").ok();
        assertThat(export.out()).contains("tiny-pytorch/model.safetensors").contains("tiny-pytorch/model.py");
        // no --normalize: the export wrote the run's own statistics into the file's header, and import reads them
        digitlab.run("import", "tiny-pytorch/model.safetensors", "--arch", "lenet5", "--out", "imported/back").ok();
        assertThat(digitlab.run("evaluate", "--model", "imported/back").ok().find("\\((\\d+) of 10000 right\\)"))
                .isEqualTo(String.valueOf(right));
    }

    @Test
    void serveAnswersWhatPredictAnswers() throws Exception {
        Path picture = UserFiles.png(test, 0, work.resolve("seven.png"));
        String predicted = digitlab.run("predict", "--model", "runs/tiny", "seven.png").ok().find("seven\\.png:  (\\d) ");
        try (Launcher.Background serve = digitlab.serve("serve", "--model", "runs/tiny", "--model",
                digitlab.shipped("best"), "--port", "0", "--runs", "runs",
                "--feedback", "feedback.csv")) {
            ServerUnderTest server = serve.server();
            JsonNode health = server.get("/healthz").expect(200).json();
            assertThat(health.get("status").asText()).isEqualTo("ok");
            assertThat(health.get("models").asInt()).isEqualTo(2);

            JsonNode png = server.post("/api/predict?model=tiny", "image/png", Files.readAllBytes(picture)).expect(200).json();
            assertThat(png.get("model").asText()).isEqualTo("tiny");
            assertThat(png.get("label").asText()).isEqualTo(predicted);

            for (int i = 1; i <= 3; i++) {
                StringJoiner pixels = new StringJoiner(",", "[", "]");
                for (byte b : test.image(i)) {
                    pixels.add(String.valueOf(b & 0xff));
                }
                JsonNode json = server.postJson("/api/predict", "{\"model\": \"best\", \"pixels\": " + pixels + "}").expect(200).json();
                assertThat(json.get("label").asInt()).as("test image %d", i).isEqualTo(test.label(i));
                assertThat(json.get("probabilities")).hasSize(10);
            }

            JsonNode runs = server.get("/api/runs").expect(200).json();
            assertThat(runs).hasSize(1);
            assertThat(runs.get(0).get("id").asText()).isEqualTo("tiny");
            assertThat(runs.get(0).get("status").asText()).isEqualTo("finished");
            assertThat(runs.get(0).get("epochs").asInt()).isEqualTo(1);
            assertThat(server.get("/openapi.json").expect(200).json().get("paths").has("/api/runs")).isTrue();
            serve.stopAndCheck();
        }
    }

    static int argmax(float[] p) {
        int best = 0;
        for (int i = 1; i < p.length; i++) {
            best = p[i] > p[best] ? i : best;
        }
        return best;
    }
}
