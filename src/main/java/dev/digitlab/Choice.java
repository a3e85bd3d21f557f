package dev.digitlab;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Enums whose values users type and files store in lower case ("adam", "onecycle"). */
public final class Choice {
    private Choice() {}

    /** The lower-case label of a constant, as files store it. */
    public static String label(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    /** The constant labelled {@code text}, or a BadSetting naming {@code setting} and the choices. */
    public static <E extends Enum<E>> E parse(Class<E> type, String text, String setting) {
        for (E e : type.getEnumConstants()) {
            if (label(e).equals(text)) {
                return e;
            }
        }
        throw new BadSetting(setting, "must be one of " + Arrays.stream(type.getEnumConstants()).map(Choice::label)
                .collect(Collectors.joining(", ")) + ", got '" + text + "'");
    }
}
