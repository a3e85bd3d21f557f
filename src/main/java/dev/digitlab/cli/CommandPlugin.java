package dev.digitlab.cli;

import java.util.List;

/**
 * Commands that live in another module (the Spark module's {@code score}), found with ServiceLoader when that module's
 * jar is on the class path, so the core neither depends on it nor downloads it.
 */
public interface CommandPlugin {
    /** picocli command objects to add to {@code digitlab}. */
    List<Object> commands();
}
