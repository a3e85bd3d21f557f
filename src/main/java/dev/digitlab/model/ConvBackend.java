package dev.digitlab.model;

import java.util.function.Supplier;

/**
 * Which code libtorch runs CPU convolutions with. oneDNN, its default, sets every call up before it computes,
 * which pays from two images up (training is many times slower without it) but costs more than the arithmetic
 * for a single image (docs/PERFORMANCE.md). PyTorch's own rule (use_mkldnn in ATen's Convolution.cpp) skips oneDNN
 * for one small input only with kernels up to 3x3; LeNet-5's are 5x5.
 *
 * <p>The switch is libtorch's process-wide {@code setUserEnabledMkldnn} ({@link LibTorch}). Passes that need the
 * other setting wait until those running finish, so no pass ever runs under a switch flipped halfway. Where the
 * switch is missing (another libtorch), everything runs as libtorch chooses and nothing waits.
 */
public final class ConvBackend {
    private static final boolean SWITCHABLE = LibTorch.setOneDnn(true);
    private static int running;
    private static boolean oneDnn = true;

    private ConvBackend() {}

    /** True when the switch was found, i.e. single images skip oneDNN. */
    public static boolean switchable() {
        return SWITCHABLE;
    }

    /** Runs a pass with oneDNN on or off, waiting while passes that need the other setting run. */
    static <T> T forward(boolean withOneDnn, Supplier<T> pass) {
        if (!SWITCHABLE) {
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
            LibTorch.setOneDnn(wantOneDnn);
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
}
