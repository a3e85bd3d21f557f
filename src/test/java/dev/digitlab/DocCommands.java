package dev.digitlab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The {@code ./digitlab ...} command lines the documentation shows in its code blocks, split into arguments as bash
 * would split them: a backslash at the end of a line continues it, quotes group, a word starting with # starts a
 * comment. Shared with the Spark module, which checks the lines the core cannot parse (score, --master).
 */
public final class DocCommands {
    private static final Pattern HTTP_PATH = Pattern.compile("(/api/[a-z][a-z/]*[a-z]|/healthz|/metrics|/openapi\\.json)");

    /** One command line: where it is written and its arguments after {@code ./digitlab}. */
    public record Line(String where, List<String> args) {
        @Override
        public String toString() {
            return where + ": ./digitlab " + String.join(" ", args);
        }
    }

    private DocCommands() {}

    /** README.md and docs/*.md of the project in {@code root}. */
    public static List<Path> pages(Path root) {
        List<Path> pages = new ArrayList<>(List.of(root.resolve("README.md")));
        try (Stream<Path> s = Files.list(root.resolve("docs"))) {
            s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return pages;
    }

    public static List<Line> commands(Path root) {
        List<Line> out = new ArrayList<>();
        for (Path page : pages(root)) {
            out.addAll(commands(root.relativize(page).toString(), read(page)));
        }
        return out;
    }

    public static List<Line> commands(String name, String markdown) {
        List<Line> out = new ArrayList<>();
        String[] lines = markdown.split("\n", -1);
        boolean code = false;
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].strip().startsWith("```")) {
                code = !code;
                continue;
            }
            if (!code || !lines[i].strip().startsWith("./digitlab")) {
                continue;
            }
            int first = i;
            StringBuilder text = new StringBuilder(lines[i]);
            while (text.toString().endsWith("\\") && i + 1 < lines.length) { // bash drops backslash-newline
                text.setLength(text.length() - 1);
                text.append(lines[++i]);
            }
            List<String> words = split(text.toString().strip());
            out.add(new Line(name + ":" + (first + 1), words.subList(1, words.size())));
        }
        return out;
    }

    /** Every HTTP path of the API that {@code markdown} names. */
    public static List<String> httpPaths(String markdown) {
        List<String> out = new ArrayList<>();
        Matcher m = HTTP_PATH.matcher(markdown);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    public static String read(Path page) {
        try {
            return Files.readString(page);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Words as bash splits them (quotes, comments), without expanding anything. */
    static List<String> split(String line) {
        List<String> words = new ArrayList<>();
        StringBuilder w = null;
        char quote = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    w.append(c);
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
                w = w == null ? new StringBuilder() : w;
            } else if (Character.isWhitespace(c)) {
                if (w != null) {
                    words.add(w.toString());
                    w = null;
                }
            } else if (c == '#' && w == null) {
                break;
            } else {
                w = w == null ? new StringBuilder() : w;
                w.append(c);
            }
        }
        if (quote != 0) {
            throw new IllegalArgumentException("unclosed quote in: " + line);
        }
        if (w != null) {
            words.add(w.toString());
        }
        return words;
    }
}
