package dev.digitlab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.digitlab.ServerUnderTest;
import dev.digitlab.TestData;
import dev.digitlab.e2e.UserFiles;
import dev.digitlab.serve.ModelPool;
import dev.digitlab.serve.Server;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** digitlab import and export as a user types them; the imported folder in every command that takes a model. */
class ImportExportCliTest {
    static final Path FIXTURES = Path.of("src/test/resources/interop");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void anImportedStateDictWorksWhereverATrainedModelDoes() throws Exception {
        Path model = dir.resolve("imported");
        CliRun imp = CliRun.of("import", FIXTURES.resolve("lenet5.pth").toString(), "--arch", "lenet5", "--out", model.toString());
        assertThat(imp.exitCode()).as(imp.err()).isZero();
        assertThat(imp.out()).contains("imported lenet5 from").contains("(pytorch-zip, 10 tensors)");
        double expected = JSON.readTree(FIXTURES.resolve("lenet5.json").toFile()).get("testAccuracy").asDouble();

        CliRun eval = CliRun.of("evaluate", "--model", model.toString(), "--json");
        assertThat(eval.exitCode()).as(eval.err()).isZero();
        assertThat(JSON.readTree(eval.out()).get("accuracy").asDouble()).isEqualTo(expected);

        Path csv = Files.writeString(dir.resolve("test.csv"), UserFiles.kaggleCsv(TestData.mnist().test(), 20, false));
        CliRun kaggle = CliRun.of("kaggle", "--model", model.toString(), "--test", csv.toString(), "--out", dir.resolve("s.csv").toString());
        assertThat(kaggle.exitCode()).as(kaggle.err()).isZero();
        assertThat(Files.readAllLines(dir.resolve("s.csv"))).hasSize(21);

        CliRun report = CliRun.of("report", "--model", model.toString(), "--tsne-points", "50");
        assertThat(report.exitCode()).as(report.err()).isZero();
        assertThat(Files.readString(model.resolve("report/index.html"))).contains("feature maps").contains("imported from");

        try (ServerUnderTest server = ServerUnderTest.start(new Server(new ModelPool(List.of(model), 1), dir.resolve("feedback.csv")))) {
            String px = "[" + "0,".repeat(783) + "0]";
            server.postJson("/api/predict", "{\"pixels\": " + px + "}").expect(200);
        }

        CliRun onnx = CliRun.of("export", "--model", model.toString(), "--format", "onnx");
        assertThat(onnx.exitCode()).as(onnx.err()).isZero();
        assertThat(model.resolve("model.onnx")).isRegularFile();
        CliRun torch = CliRun.of("export", "--model", model.toString(), "--format", "pytorch", "--out", dir.resolve("pt").toString());
        assertThat(torch.exitCode()).as(torch.err()).isZero();
        assertThat(Files.readString(dir.resolve("pt/model.py"))).contains("class Net(nn.Module)").contains("nn.Conv2d(1, 6, kernel_size=5");
        assertThat(dir.resolve("pt/model.safetensors")).isRegularFile();
    }

    @Test
    void aTorchScriptModelEvaluatesAndItsReportSaysItHasNoLayers() throws Exception {
        Path model = dir.resolve("script");
        CliRun imp = CliRun.of("import", FIXTURES.resolve("lenet5-script.pt").toString(), "--out", model.toString());
        assertThat(imp.exitCode()).as(imp.err()).isZero();
        assertThat(model.resolve("model.pt")).isRegularFile();
        CliRun eval = CliRun.of("evaluate", "--model", model.toString(), "--json");
        assertThat(JSON.readTree(eval.out()).get("accuracy").asDouble())
                .isEqualTo(JSON.readTree(FIXTURES.resolve("lenet5.json").toFile()).get("testAccuracy").asDouble());
        CliRun report = CliRun.of("report", "--model", model.toString(), "--tsne-points", "50");
        assertThat(report.exitCode()).as(report.err()).isZero();
        assertThat(Files.readString(model.resolve("report/index.html"))).contains("This is a TorchScript model");
    }

    @Test
    void badFilesAreOneLineAndExitOne() throws Exception {
        Path text = Files.writeString(dir.resolve("notes.pth"), "not a model");
        CliRun r = CliRun.of("import", text.toString(), "--arch", "lenet5", "--out", dir.resolve("x").toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err().strip()).isEqualTo("digitlab: error: " + text + ": neither a PyTorch file (torch.save, torch.jit.save) nor safetensors");
        CliRun noArch = CliRun.of("import", FIXTURES.resolve("lenet5.pth").toString(), "--out", dir.resolve("y").toString());
        assertThat(noArch.err().strip()).endsWith("a state_dict holds weights only; name its architecture with --arch");
        CliRun wrongArch = CliRun.of("import", FIXTURES.resolve("lenet5.pth").toString(), "--arch", "deep-cnn", "--out", dir.resolve("z").toString());
        assertThat(wrongArch.exitCode()).isEqualTo(1);
        assertThat(wrongArch.errorLines()).isEqualTo(1);
        assertThat(wrongArch.err()).contains("deep-cnn's layer 1 (Conv2d) needs [32, 1, 3, 3]");
        CliRun norm = CliRun.of("import", FIXTURES.resolve("lenet5.pth").toString(), "--arch", "lenet5", "--normalize", "0.5",
                "--out", dir.resolve("w").toString());
        assertThat(norm.err().strip()).isEqualTo("digitlab: error: --normalize must be mnist, half, none or MEAN,STD with STD > 0, got '0.5'");
        assertThat(dir.resolve("x")).doesNotExist();
        assertThat(dir.resolve("z")).doesNotExist();
    }
}
