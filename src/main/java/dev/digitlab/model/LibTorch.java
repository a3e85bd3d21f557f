package dev.digitlab.model;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.LibUtils;
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
 * The library is found where DJL unpacked it ({@code LibUtils.getLibtorchPath()}, named as the platform names
 * libraries: libtorch_cpu.so, libtorch_cpu.dylib, torch_cpu.dll), else among the process's mapped files (Linux).
 * Where a symbol is missing (another libtorch, MSVC's name mangling on Windows) the settings stay libtorch's,
 * {@link #found()} says so, and standard error says once what that means: single images then take oneDNN's
 * channels-last route, whose results are right, at batch speed rather than single-image speed.
 */
public final class LibTorch {
    private static final Context CONTEXT = Context.find();

    static {
        if (CONTEXT == null) {
            System.err.println("digitlab: libtorch's switches were not found on " + System.getProperty("os.name") + " "
                    + System.getProperty("os.arch") + "; single images take oneDNN's channels-last route (right, a little "
                    + "slower) and NNPACK stays as libtorch sets it");
        }
    }

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
                Engine.getEngine("PyTorch"); // loads libtorch (and, on Linux, shows it in the process's maps)
                Path lib = library();
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

        /** libtorch_cpu where DJL put it, else (Linux) where the process mapped it; null when neither knows. */
        private static Path library() {
            try {
                Path dir = Path.of(LibUtils.getLibtorchPath());
                for (String name : new String[] {System.mapLibraryName("torch_cpu"), "libtorch_cpu.so", "libtorch_cpu.dylib"}) {
                    if (Files.isRegularFile(dir.resolve(name))) {
                        return dir.resolve(name);
                    }
                    if (Files.isRegularFile(dir.resolve("lib").resolve(name))) {
                        return dir.resolve("lib").resolve(name);
                    }
                }
            } catch (RuntimeException | LinkageError e) {
                // an older DJL, or a libtorch not unpacked by DJL: ask the process
            }
            return loaded("libtorch_cpu.so");
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
