package dev.digitlab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.ServerUnderTest;
import dev.digitlab.Slow;
import dev.digitlab.data.Dataset;
import dev.digitlab.model.ModelFolder;
import dev.digitlab.serve.ModelPool;
import dev.digitlab.serve.Server;
import dev.digitlab.train.History;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --dataset fashion end to end: fetch, train, evaluate, report, serve, with the class names everywhere. */
@Slow // Fashion-MNIST, which run-tests installs, through every command
class FashionTest {
    @TempDir
    Path dir;

    @Test
    void fashionMnistCarriesItsClassNamesThroughEveryCommand() throws Exception {
        Path data = dir.resolve("fashion");
        CliRun fetch = CliRun.of("fetch", "--dataset", "fashion", "--data-dir", data.toString());
        assertThat(fetch.exitCode()).as(fetch.err()).isZero();
        Path model = dir.resolve("run");
        CliRun train = CliRun.of("train", "--dataset", "fashion", "--data-dir", data.toString(), "--model", "mlp",
                "--epochs", "1", "--limit", "3000", "--no-progress", "--out", model.toString());
        assertThat(train.exitCode()).as(train.err()).isZero();
        assertThat(ModelFolder.readSidecar(model).classNames()).startsWith("T-shirt/top", "Trouser", "Pullover");
        // continued without --dataset: the run's own data set, not the default MNIST
        CliRun more = CliRun.of("train", "--resume", model.toString(), "--epochs", "2", "--data-dir", data.toString());
        assertThat(more.exitCode()).as(more.err()).isZero();
        assertThat(History.read(model)).hasSize(2);
        assertThat(ModelFolder.readSidecar(model).training().get("dataset").asText()).isEqualTo("fashion");
        assertThat(ModelFolder.readSidecar(model).classNames()).startsWith("T-shirt/top");

        CliRun eval = CliRun.of("evaluate", "--model", model.toString(), "--data-dir", data.toString());
        assertThat(eval.exitCode()).as(eval.err()).isZero();
        assertThat(eval.out()).contains("9 Ankle boot").contains("5 Sandal");

        CliRun report = CliRun.of("report", "--model", model.toString(), "--data-dir", data.toString(), "--tsne-points", "100");
        assertThat(report.exitCode()).as(report.err()).isZero();
        assertThat(Files.readString(model.resolve("report/index.html"))).contains("Ankle boot").contains("T-shirt/top");

        // out to PyTorch and back with no options: the export's header carries the data set and the normalisation
        CliRun export = CliRun.of("export", "--model", model.toString(), "--format", "pytorch", "--out", dir.resolve("pt").toString());
        assertThat(export.exitCode()).as(export.err()).isZero();
        Path back = dir.resolve("back");
        CliRun imp = CliRun.of("import", dir.resolve("pt/model.safetensors").toString(), "--arch", "mlp", "--out", back.toString());
        assertThat(imp.exitCode()).as(imp.err()).isZero();
        assertThat(ModelFolder.readSidecar(back).classNames()).isEqualTo(ModelFolder.readSidecar(model).classNames());
        assertThat(ModelFolder.readSidecar(back).mean()).isEqualTo(ModelFolder.readSidecar(model).mean());

        // serve's feedback goes with the model's own data set unless --feedback says otherwise
        assertThat(ServeCommand.datasetOf(model)).isEqualTo(Dataset.FASHION);
        try (ServerUnderTest server = ServerUnderTest.start(new Server(new ModelPool(List.of(model), 1), dir.resolve("feedback.csv")))) {
            String models = server.get("/api/models").body();
            assertThat(models).contains("\"Ankle boot\"");
            String px = "[" + "0,".repeat(783) + "0]";
            String answer = server.postJson("/api/predict", "{\"pixels\": " + px + "}").body();
            assertThat(answer).containsPattern("\"className\":\"(T-shirt/top|Trouser|Pullover|Dress|Coat|Sandal|Shirt|Sneaker|Bag|Ankle boot)\"");
        }
    }
}
