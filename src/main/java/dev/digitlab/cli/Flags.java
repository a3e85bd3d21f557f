package dev.digitlab.cli;

import dev.digitlab.DigitlabException;
import java.lang.reflect.Field;
import java.util.Set;
import java.util.TreeSet;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** Settings as inner layers name them (fields: {@code batchSize}) and as users type them (flags: {@code --batch-size}). */
final class Flags {
    private Flags() {}

    /** The field an option is stored in, or null for options without one (help, version). */
    static String field(ArgSpec arg) {
        return arg.userObject() instanceof Field f ? f.getName() : null;
    }

    /** The flag of the option stored in field {@code setting}, or the setting's own name if the command has none. */
    static String flag(CommandSpec spec, String setting) {
        for (OptionSpec o : spec.options()) {
            if (setting.equals(field(o))) {
                return o.longestName();
            }
        }
        return setting;
    }

    /** The error's message with every setting named by its flag. */
    static String message(DigitlabException e, CommandSpec spec) {
        return e.message(s -> flag(spec, s));
    }

    /** The fields of the options given on the command line (not those left at their defaults). */
    static Set<String> given(CommandLine.ParseResult parsed) {
        Set<String> out = new TreeSet<>();
        for (OptionSpec o : parsed.matchedOptions()) {
            if (field(o) != null) {
                out.add(field(o));
            }
        }
        return out;
    }
}
