package dev.digitlab.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** docs/INTEROP.md's three imports: one LeNet-5 trained in PyTorch, saved three ways, scores what PyTorch measured. */
class ImportIT {
    @TempDir
    Path work;

    @ParameterizedTest
    @CsvSource({"lenet5.pth, lenet5, pytorch-zip", "lenet5.safetensors, lenet5, safetensors", "lenet5-script.pt, , torchscript"})
    void importedModelsEvaluateAsInPyTorch(String file, String arch, String format) throws Exception {
        Launcher digitlab = new Launcher(Launcher.projectRoot(), work);
        Path fixtures = digitlab.root().resolve("src/test/resources/interop");
        double pytorch = new ObjectMapper().readTree(fixtures.resolve("lenet5.json").toFile()).get("testAccuracy").asDouble();
        Launcher.Run imp = arch == null
                ? digitlab.run("import", fixtures.resolve(file).toString(), "--out", "models/mine")
                : digitlab.run("import", fixtures.resolve(file).toString(), "--arch", arch, "--out", "models/mine");
        imp.ok();
        assertThat(imp.find("^imported (\\S+) from")).isEqualTo(arch == null ? "torchscript" : arch);
        assertThat(imp.out()).contains("(" + format);
        assertThat(digitlab.run("evaluate", "--model", "models/mine").ok().percent("test accuracy ([\\d.]+)%"))
                .isEqualTo(pytorch);
    }

    /**
     * The second write-up's BN-CNN as its author wrote it (features, classify, .view), saved by PyTorch every way its
     * readers save it: a safetensors header sorts classify before features, the TorchScript ends in .view, and the
     * whole module is a pickle of the author's class.
     */
    @ParameterizedTest
    @CsvSource({"bn-cnn.pth, bn-cnn", "bn-cnn.safetensors, bn-cnn", "bn-cnn-whole.pth, bn-cnn", "bn-cnn-script.pt, ",
            "bn-cnn-trace.pt, "})
    void theWriteupsBnCnnImportsEveryWayItIsSaved(String file, String arch) throws Exception {
        Launcher digitlab = new Launcher(Launcher.projectRoot(), work);
        Path fixtures = digitlab.root().resolve("src/test/resources/writeups");
        double pytorch = new ObjectMapper().readTree(fixtures.resolve("bn-cnn.json").toFile()).get("testAccuracy").asDouble();
        Launcher.Run imp = arch == null
                ? digitlab.run("import", fixtures.resolve(file).toString(), "--out", "models/mine")
                : digitlab.run("import", fixtures.resolve(file).toString(), "--arch", arch, "--out", "models/mine");
        imp.ok();
        assertThat(digitlab.run("evaluate", "--model", "models/mine").ok().find("\\((\\d+) of 10000 right\\)"))
                .isEqualTo(String.valueOf(Math.round(pytorch * 10000)));
    }
}
