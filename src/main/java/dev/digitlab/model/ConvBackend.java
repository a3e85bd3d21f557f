package dev.digitlab.model;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * Which code libtorch runs CPU convolutions with. oneDNN, its default, sets every call up before it computes,
 * which pays from two images up (training is 8-13x slower without it) but costs more than the arithmetic for a
 * single image: LeNet-5's forward pass of one image takes 119 us through libtorch's own convolutions in the plain
 * layout against 232 us through oneDNN (docs/PERFORMANCE.md).
 * PyTorch's own rule (use_mkldnn in ATen's Convolution.cpp) skips oneDNN for one small input only with kernels up
 * to 3x3; LeNet-5's are 5x5.
 *
 * <p>The switch is libtorch's process-wide {@code at::Context::setUserEnabledMkldnn}, which DJL does not expose, so
 * it is called through JNA by its C++ symbol. Forward passes that need the other setting wait until those running
 * finish, so no pass ever runs under a switch flipped halfway. Where the symbol is missing (another libtorch),
 * everything runs as libtorch chooses and nothing waits.
 */
public final class ConvBackend {
    private static final Switch SWITCH = Switch.find();
    private static int running;
    private static boolean oneDnn = true;

    private ConvBackend() {}

    /** True when the switch was found, i.e. single images skip oneDNN. */
    public static boolean switchable() {
        return SWITCH != null;
    }

    /** Runs a forward pass with oneDNN on or off, waiting while passes that need the other setting run. */
    static <T> T forward(boolean withOneDnn, Supplier<T> pass) {
        if (SWITCH == null) {
            return pass.get();
        }
        enter(withOneDnn);
        try {
            return pass.get();
        } finally {
            exit();
        }
    }

    private static synchronized void enter(boolean wantOneDnn) {
        boolean interrupted = false;
        while (running > 0 && oneDnn != wantOneDnn) {
            try {
                ConvBackend.class.wait();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (oneDnn != wantOneDnn) {
            SWITCH.set(wantOneDnn);
            oneDnn = wantOneDnn;
        }
        running++;
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static synchronized void exit() {
        if (--running == 0) {
            ConvBackend.class.notifyAll();
        }
    }

    /** at::globalContext().setUserEnabledMkldnn(bool): a member function, so the context is the first argument. */
    private record Switch(Pointer context, Function setter) {
        void set(boolean enabled) {
            setter.invokeVoid(new Object[] {context, enabled});
        }

        static Switch find() {
            try {
                ai.djl.engine.Engine.getEngine("PyTorch"); // loads libtorch, so that it shows in the process's maps
                Path lib = loaded("libtorch_cpu.so");
                if (lib == null) {
                    return null;
                }
                NativeLibrary torch = NativeLibrary.getInstance(lib.toString()); // the copy already loaded
                Pointer context = torch.getFunction("_ZN2at13globalContextEv").invokePointer(new Object[0]);
                Switch s = new Switch(context, torch.getFunction("_ZN2at7Context20setUserEnabledMkldnnEb"));
                s.set(true);
                return s;
            } catch (RuntimeException | LinkageError e) { // no such symbol, no JNA native part, not Linux
                return null;
            }
        }

        private static Path loaded(String name) {
            try (var lines = Files.lines(Path.of("/proc/self/maps"))) {
                return lines.map(l -> l.substring(l.lastIndexOf(' ') + 1)).filter(p -> p.endsWith("/" + name))
                        .findFirst().map(Path::of).orElse(null);
            } catch (IOException | RuntimeException e) {
                return null;
            }
        }
    }
}
