package dev.digitlab.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.digitlab.Slow;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Models trained and saved by real PyTorch come in through `./digitlab import` and score what PyTorch measured. */
@Slow // ./digitlab as child processes
class ImportIT {
    @TempDir
    Path work;

    /** docs/INTEROP.md's three imports: one LeNet-5 saved three ways. */
    @ParameterizedTest
    @CsvSource({"lenet5.pth, lenet5, pytorch-zip", "lenet5.safetensors, lenet5, safetensors", "lenet5-script.pt, , torchscript"})
    void importedModelsEvaluateAsInPyTorch(String file, String arch, String format) throws Exception {
        Launcher.Run imp = importAndEvaluate("src/test/resources/interop", "lenet5", file, arch);
        assertThat(imp.find("^imported (\\S+) from")).isEqualTo(arch == null ? "torchscript" : arch);
        assertThat(imp.out()).contains("(" + format);
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
        importAndEvaluate("src/test/resources/writeups", "bn-cnn", file, arch);
    }

    /**
     * Imports {@code file} (with {@code --arch} unless a TorchScript module) and checks that `evaluate` gets the images
     * right that PyTorch got right; returns the import's run.
     */
    private Launcher.Run importAndEvaluate(String fixtureDir, String model, String file, String arch) throws IOException {
        Launcher digitlab = new Launcher(Launcher.projectRoot(), work);
        Path fixtures = digitlab.root().resolve(fixtureDir);
        double pytorch = new ObjectMapper().readTree(fixtures.resolve(model + ".json").toFile()).get("testAccuracy").asDouble();
        Launcher.Run imp = arch == null
                ? digitlab.run("import", fixtures.resolve(file).toString(), "--out", "models/mine")
                : digitlab.run("import", fixtures.resolve(file).toString(), "--arch", arch, "--out", "models/mine");
        imp.ok();
        assertThat(digitlab.run("evaluate", "--model", "models/mine").ok().find("\\((\\d+) of 10000 right\\)"))
                .isEqualTo(String.valueOf(Math.round(pytorch * 10000)));
        return imp;
    }
}
