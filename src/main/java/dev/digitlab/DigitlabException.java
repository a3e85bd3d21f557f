package dev.digitlab;

/**
 * An error caused by the user's input or environment (a bad file, a bad option, a missing model).
 * The command line prints its message as one line and exits non-zero, without a stack trace,
 * so the message must name the file, row or field at fault.
 */
public class DigitlabException extends RuntimeException {
    public DigitlabException(String message) {
        super(message);
    }

    public DigitlabException(String message, Throwable cause) {
        super(message, cause);
    }
}
