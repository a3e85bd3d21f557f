package dev.digitlab.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The process's resident memory (Java heap and native NDArrays alike), to watch for leaks epoch by epoch. */
final class ResidentMemory {
    private ResidentMemory() {}

    /** Megabytes resident now, or -1 where /proc is not there to say. */
    static double megabytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: no figure
        }
        return -1;
    }
}
