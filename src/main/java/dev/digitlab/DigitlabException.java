package dev.digitlab;

import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An error caused by the user's input or environment (a bad file, a bad option, a missing model).
 * The command line prints its message as one line and exits non-zero, without a stack trace,
 * so the message must name the file, row or field at fault. A setting is written {@code {@valSplit}}: inner
 * layers name settings, and the command line shows each as its flag ({@code --val-split}).
 */
public class DigitlabException extends RuntimeException {
    private static final Pattern SETTING = Pattern.compile("\\{@([A-Za-z0-9]+)}");
    private final String template;

    public DigitlabException(String message) {
        this(message, null);
    }

    public DigitlabException(String message, Throwable cause) {
        super(render(message, s -> s), cause);
        this.template = message;
    }

    /** The message with every setting named by {@code name} (the command line passes its flags). */
    public String message(UnaryOperator<String> name) {
        return render(template, name);
    }

    static String render(String template, UnaryOperator<String> name) {
        if (template == null) {
            return null;
        }
        Matcher m = SETTING.matcher(template);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(sb, Matcher.quoteReplacement(name.apply(m.group(1))));
        }
        return m.appendTail(sb).toString();
    }
}
