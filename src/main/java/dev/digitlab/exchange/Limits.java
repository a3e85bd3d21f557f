package dev.digitlab.exchange;

import dev.digitlab.DigitlabException;
import java.nio.file.Path;

/**
 * What an imported file may make digitlab allocate, whatever its headers claim: summed over the whole file, not per
 * tensor, so that many modest claims cannot add up to more than one large one. The largest zoo model (best, 328,000
 * parameters) needs 1.3 MB; the limits leave room for models a hundred times larger.
 */
final class Limits {
    /** Storage bytes read from a file, all storages together. */
    static final long STORAGE_BYTES = 128L << 20;
    /** Tensor elements made from them, all tensors together (views of one storage count each time). */
    static final long ELEMENTS = 32L << 20;
    /** A state_dict's pickle program (data.pkl); a thousand tensors take well under 1 MB. */
    static final int PICKLE_BYTES = 16 << 20;
    /** Pickle instructions run; each makes at most one object. lenet5's state_dict takes about 300. */
    static final int PICKLE_OPS = 1_000_000;
    /** Bytes of one pickled integer (LONG4) and digits of one text integer (LONG): torch writes 8 bytes at most. */
    static final int INTEGER_BYTES = 64;
    /** Dimensions of one tensor. */
    static final int DIMENSIONS = 16;

    private final Path file;
    private long storageBytes;
    private long elements;

    Limits(Path file) {
        this.file = file;
    }

    /** Counts a storage's bytes, refusing the file once the sum passes {@link #STORAGE_BYTES}. */
    void storage(String key, long bytes) {
        storageBytes += bytes;
        if (bytes < 0 || storageBytes > STORAGE_BYTES) {
            throw new DigitlabException(file + ": storage '" + brief(key) + "' brings the file's storages to " + storageBytes
                    + " bytes, more than digitlab reads from one file (" + STORAGE_BYTES + ")");
        }
    }

    /** Counts a tensor's elements, refusing the file once the sum passes {@link #ELEMENTS}. */
    void elements(String what, long count) {
        elements += count;
        if (count < 0 || elements > ELEMENTS) {
            throw new DigitlabException(file + ": " + brief(what) + " brings the file's tensors to " + elements
                    + " elements, more than digitlab makes from one file (" + ELEMENTS + ")");
        }
    }

    /** Tensor names longer than any module path; the mapping prints names in its messages. */
    static final int NAME_CHARS = 1000;

    /** A tensor's name as the file gives it: refused if it could not be printed on one line. */
    static String name(Path file, String name) {
        if (name.length() > NAME_CHARS || name.chars().anyMatch(Character::isISOControl)) {
            throw new DigitlabException(file + ": a tensor name of " + name.length() + " characters "
                    + (name.length() > NAME_CHARS ? "(at most " + NAME_CHARS + ")" : "with control characters") + ": '"
                    + brief(name.replaceAll("\\p{Cc}", "?")) + "'");
        }
        return name;
    }

    /** Text from a file, shortened for a one-line message. */
    static String brief(String text) {
        String s = String.valueOf(text).replaceAll("[\\s\\p{Cc}]+", " ");
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }
}
