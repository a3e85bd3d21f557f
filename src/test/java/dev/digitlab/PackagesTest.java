package dev.digitlab;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The main code's packages are layers, each built only on the ones below it, so that none of them depends on
 * another through a cycle and each can be read, tested and changed knowing only what lies below. A source file
 * that names a class of a package above its own (by import or by its full name) fails here, with the file, the line
 * and the name.
 */
class PackagesTest {
    /**
     * Lowest first, as the imports of 2026-12-04 have them. Neighbours that do not use each other today (exchange, api
     * and train; report and serve) are put in the order they may come to: a classifier could load a PyTorch file
     * through exchange, training could check its model as a library user would, the server could serve reports.
     */
    static final List<String> LAYERS = List.of(
            "dev.digitlab",          // what every layer uses and that knows none: errors, atomic files, hashes, choices
            "dev.digitlab.data",     // images and labels and their files, knowing nothing of networks
            "dev.digitlab.model",    // networks, their folders and inference, on data
            "dev.digitlab.exchange", // other frameworks' files (PyTorch, safetensors, ONNX) in and out of model folders
            "dev.digitlab.api",      // the library's Classifier (docs/LIBRARY.md): a model folder answering images
            "dev.digitlab.train",    // models made from data
            "dev.digitlab.eval",     // models studied: ensembles, explanations, learning from feedback (which trains)
            "dev.digitlab.report",   // what eval found, as an HTML page
            "dev.digitlab.serve",    // the HTTP server and the training dashboard
            "dev.digitlab.cli");     // the commands, which put it all together

    static final Path MAIN = Path.of("src", "main", "java");
    private static final Pattern PACKAGE = Pattern.compile("^package ([\\w.]+);", Pattern.MULTILINE);
    /** A class of digitlab named in full (in an import or in code): group 1 is its package. */
    private static final Pattern REFERENCE = Pattern.compile("\\b(dev\\.digitlab(?:\\.[a-z_]\\w*)*)\\.(?:[A-Z]\\w*|\\*)");

    @Test
    void noPackageUsesOneAboveIt() throws IOException {
        List<String> wrong = new ArrayList<>();
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
                String code = code(Files.readString(file));
                Matcher p = PACKAGE.matcher(code);
                assertThat(p.find()).as("%s has a package line", file).isTrue();
                int own = layer(p.group(1), file);
                for (Matcher m = REFERENCE.matcher(code); m.find(); ) {
                    int used = layer(m.group(1), file);
                    if (used > own) {
                        wrong.add(file + ":" + line(code, m.start()) + " uses " + m.group() + ", but " + LAYERS.get(used)
                                + " lies above " + LAYERS.get(own));
                    }
                }
            }
        }
        assertThat(wrong).as("the layers, lowest first: %s", LAYERS).isEmpty();
    }

    /** The layer {@code pkg} belongs to: its own, or its parent's for a sub-package (the generated protobuf classes). */
    static int layer(String pkg, Path file) {
        for (int i = LAYERS.size() - 1; i >= 0; i--) {
            if (pkg.equals(LAYERS.get(i)) || i > 0 && pkg.startsWith(LAYERS.get(i) + ".")) {
                return i;
            }
        }
        throw new AssertionError(file + ": package " + pkg + " has no place in PackagesTest.LAYERS; give it one");
    }

    @Test
    void commentsAndStringsAreNotCode() {
        String source = "package dev.digitlab.data;\n/** see dev.digitlab.cli.Main */\nclass A { // dev.digitlab.serve.Server\n"
                + "String s = \"dev.digitlab.train.Trainer /*\"; char c = '\"';\ndev.digitlab.model.Net n; }\n";
        String code = code(source);
        Matcher m = REFERENCE.matcher(code);
        assertThat(m.find()).isTrue();
        assertThat(m.group(1)).isEqualTo("dev.digitlab.model");
        assertThat(line(code, m.start())).isEqualTo(5);
        assertThat(m.find()).isFalse();
        assertThat(layer("dev.digitlab.exchange.onnx", Path.of("x"))).isEqualTo(LAYERS.indexOf("dev.digitlab.exchange"));
    }

    /** A Java source without its comments and the insides of its strings, newlines kept for the line numbers. */
    static String code(String source) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < source.length()) {
            char c = source.charAt(i);
            int skipTo;
            if (source.startsWith("//", i)) {
                skipTo = endOr(source.indexOf('\n', i), source);
            } else if (source.startsWith("/*", i)) {
                skipTo = endOr(source.indexOf("*/", i + 2), source) + 2;
            } else if (source.startsWith("\"\"\"", i)) {
                skipTo = endOr(source.indexOf("\"\"\"", i + 3), source) + 3;
            } else if (c == '"' || c == '\'') {
                int j = i + 1;
                while (j < source.length() && source.charAt(j) != c) {
                    j += source.charAt(j) == '\\' ? 2 : 1;
                }
                skipTo = j + 1;
            } else {
                out.append(c);
                i++;
                continue;
            }
            skipTo = Math.min(skipTo, source.length());
            source.substring(i, skipTo).chars().filter(ch -> ch == '\n').forEach(ch -> out.append('\n'));
            i = skipTo;
        }
        return out.toString();
    }

    private static int endOr(int at, String s) {
        return at < 0 ? s.length() : at;
    }

    private static int line(String code, int at) {
        return 1 + (int) code.substring(0, at).chars().filter(ch -> ch == '\n').count();
    }
}
