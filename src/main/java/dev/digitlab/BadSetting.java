package dev.digitlab;

/**
 * A setting with a value that cannot work: "{@code {@batchSize} must be at least 1, got 0}", which the command line
 * prints as "--batch-size must be at least 1, got 0". The text may name other settings the same way.
 */
public class BadSetting extends DigitlabException {
    private final String text;

    public BadSetting(String setting, String text) {
        super("{@" + setting + "} " + text);
        this.text = text;
    }

    /** What is wrong, without the setting's own name ("must be at least 1, got 0"). */
    public String problem() {
        return render(text, s -> s);
    }

    /** Throws a BadSetting unless {@code ok}. */
    public static void check(boolean ok, String setting, String text) {
        if (!ok) {
            throw new BadSetting(setting, text);
        }
    }
}
