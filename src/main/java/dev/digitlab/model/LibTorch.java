package dev.digitlab.model;

import ai.djl.engine.Engine;
import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * libtorch's process-wide switches that DJL does not expose, reached through JNA by their C++ symbols in the
 * loaded libtorch_cpu.so ({@code at::globalContext()} and its setters). Loading this class loads the engine and
 * makes the settings digitlab runs with:
 * <ul>
 * <li>NNPACK off. On CPUs where NNPACK does not initialise (AMD Zen 5 among them) libtorch prints
 * "Could not initialize NNPACK! Reason: Unsupported hardware." whenever a convolution that skips oneDNN asks
 * whether NNPACK could take it, as single images do. ATen asks {@code userEnabledNNPACK()} before it tries to
 * initialise NNPACK, so the switch silences it on every CPU. It changes no result: NNPACK would only ever take
 * batches of 16 or more that skip oneDNN, and digitlab skips oneDNN for single images only.</li>
 * </ul>
 * Where a symbol is missing (another libtorch, not Linux) the settings stay libtorch's and {@link #found()} says so.
 */
public final class LibTorch {
    private static final Context CONTEXT = Context.find();

    private LibTorch() {}

    /** Loads the engine and applies digitlab's settings (idempotent: the work happens once, when the class loads). */
    public static void configure() {
        // the static initialiser did it
    }

    /** True when libtorch's global context was found, so the switches below work. */
    public static boolean found() {
        return CONTEXT != null;
    }

    /** libtorch's own answer to whether NNPACK may be used (false once configured); null if not found. */
    public static Boolean nnpackEnabled() {
        return CONTEXT == null ? null : CONTEXT.get("_ZNK2at7Context17userEnabledNNPACKEv");
    }

    /** Whether oneDNN (mkldnn) takes CPU convolutions; null if not found. */
    static Boolean oneDnnEnabled() {
        return CONTEXT == null ? null : CONTEXT.get("_ZNK2at7Context17userEnabledMkldnnEv");
    }

    /** Turns oneDNN on or off for the whole process; false when the switch is missing. */
    static boolean setOneDnn(boolean enabled) {
        return CONTEXT != null && CONTEXT.set("_ZN2at7Context20setUserEnabledMkldnnEb", enabled);
    }

    /** at::globalContext() and its member functions: the context is their first argument. */
    private record Context(NativeLibrary torch, Pointer self) {
        boolean set(String symbol, boolean value) {
            torch.getFunction(symbol).invokeVoid(new Object[] {self, value});
            return true;
        }

        Boolean get(String symbol) {
            try {
                return torch.getFunction(symbol).invokeInt(new Object[] {self}) != 0;
            } catch (UnsatisfiedLinkError e) {
                return null;
            }
        }

        static Context find() {
            try {
                Engine.getEngine("PyTorch"); // loads libtorch, so that it shows in the process's maps
                Path lib = loaded("libtorch_cpu.so");
                if (lib == null) {
                    return null;
                }
                NativeLibrary torch = NativeLibrary.getInstance(lib.toString()); // the copy already loaded
                Function global = torch.getFunction("_ZN2at13globalContextEv");
                Context c = new Context(torch, global.invokePointer(new Object[0]));
                c.set("_ZN2at7Context20setUserEnabledNNPACKEb", false);
                c.set("_ZN2at7Context20setUserEnabledMkldnnEb", true); // the default; checks the symbol exists
                return c;
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
