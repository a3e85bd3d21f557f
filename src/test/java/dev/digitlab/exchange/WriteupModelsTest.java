package dev.digitlab.exchange;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.digitlab.data.Dataset;
import dev.digitlab.model.Inference;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The write-ups' own model classes, as their authors wrote them (attribute names, Sequentials, {@code .view}), saved
 * by real PyTorch every way their readers save them (interop/writeups.py): each file imports to the same prediction
 * as PyTorch's on all 10,000 test images, with logits within 1e-4 of PyTorch's. A safetensors header has no order and
 * a TorchScript module gets batches as PyTorch would hand them, so neither may matter.
 */
class WriteupModelsTest {
    static final Path FIXTURES = Path.of("src/test/resources/writeups");
    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * float32 sums of a few thousand products in another order than PyTorch's: a logit of size ~10 carries a few
     * 1e-6 of rounding per layer, far below 1e-4; a wrongly placed or transposed tensor moves logits by whole units.
     */
    private static final float LOGIT_TOLERANCE = 1e-4f;

    @TempDir
    Path dir;

    static Stream<Arguments> files() throws IOException {
        List<Arguments> out = new ArrayList<>();
        try (Stream<Path> specs = Files.list(FIXTURES)) {
            for (Path spec : specs.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                JsonNode j = JSON.readTree(spec.toFile());
                j.get("files").fields().forEachRemaining(f -> {
                    if (!f.getKey().equals("whole")) {
                        out.add(Arguments.of(j.get("architecture").asText(), f.getKey(), f.getValue().asText(),
                                j.get("normalize").asText()));
                    }
                });
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("files")
    void importsToPyTorchsPredictionsAndLogits(String arch, String way, String file, String normalize) throws IOException {
        boolean script = way.equals("script") || way.equals("trace");
        Path out = dir.resolve("imported");
        Import.run(FIXTURES.resolve(file), out,
                new Import.Options(script ? null : arch, Import.normalization(normalize), Dataset.MNIST, null));
        Inference.Outputs got = ImportTest.logits(out);
        byte[] predictions = Files.readAllBytes(FIXTURES.resolve(arch + ".predictions"));
        int same = 0;
        for (int i = 0; i < predictions.length; i++) {
            same += got.predicted(i) == predictions[i] ? 1 : 0;
        }
        assertThat(same).as("test images predicted as PyTorch predicts them").isEqualTo(predictions.length);
        ByteBuffer want = ByteBuffer.wrap(Files.readAllBytes(FIXTURES.resolve(arch + ".logits"))).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; want.hasRemaining(); i++) {
            float w = want.getFloat();
            assertThat(Math.abs(got.logits()[i] - w)).as("logit %d (PyTorch: %s)", i, w).isLessThanOrEqualTo(LOGIT_TOLERANCE);
        }
    }
}
