package dev.digitlab.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** libtorch runs with digitlab's settings: NNPACK is never even asked about, whatever the CPU. */
class LibTorchTest {
    @TempDir
    Path dir;

    @Test
    void theSwitchesAreFoundAndNnpackIsOff() {
        assertThat(LibTorch.found()).as("libtorch's global context found").isTrue();
        assertThat(LibTorch.nnpackEnabled()).isFalse();
    }

    /**
     * libtorch's profiler records every operator: ATen's convolution calls {@code aten::_nnpack_available} (which
     * initialises NNPACK, and prints its warning where that fails) before it looks at the batch size, for every
     * convolution that skips oneDNN. With NNPACK switched off it never gets that far, on any CPU.
     */
    @Test
    void singleImagePassesNeverAskForNnpack() throws Exception {
        Architecture arch = Models.create("lenet5");
        Path trace = dir.resolve("trace.json");
        try (NDManager m = NDManager.newBaseManager(); Net net = Net.create(arch, m, 1)) {
            net.forward(m.zeros(arch.inputShape(1)), false); // warm-up outside the profile
            JniUtils.startProfile(false, false, false);
            try {
                net.forward(m.zeros(arch.inputShape(1)), false);
                net.gradientAt(m.zeros(arch.inputShape(1)), 0, s -> s.sum());
                net.forward(m.zeros(arch.inputShape(20)), false);
            } finally {
                JniUtils.stopProfile(trace.toString());
            }
        }
        List<String> ops = Pattern.compile("\"name\":\\s*\"([^\"]+)\"").matcher(Files.readString(trace)).results()
                .map(r -> r.group(1)).toList();
        assertThat(ops).as("the profile recorded the passes").contains("aten::thnn_conv2d");
        assertThat(ops).noneMatch(op -> op.contains("nnpack"));
    }

    @Test
    void weightsLoadWhileAutogradRecordsAndRecordingIsLeftAsItWas() {
        // loading a TorchScript module, or a gradient elsewhere in a server, can leave recording on
        try (NDManager m = NDManager.newBaseManager()) {
            boolean before = JniUtils.isGradMode();
            JniUtils.setGradMode(true);
            try (ModelFolder.Loaded best = ModelFolder.load(Path.of("models/best"), m)) {
                assertThat(best.net().parameterShapes()).isNotEmpty();
                assertThat(JniUtils.isGradMode()).isTrue();
            } finally {
                JniUtils.setGradMode(before);
            }
        }
    }
}
