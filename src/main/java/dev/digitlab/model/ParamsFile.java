package dev.digitlab.model;

import ai.djl.pytorch.jni.JniUtils;
import dev.digitlab.DigitlabException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * A {@code model.params} file checked against the bytes its architecture writes, before DJL reads it. DJL's format
 * is a stream of counts and lengths (shapes, names, data lengths), each of which DJL believes and allocates: a count of
 * 0x7ffffff0 was an OutOfMemoryError. Here every byte outside the weight values must be the one the architecture
 * writes itself, so no count or length in the file is ever read from the file: the file's size must be the layout's,
 * and only the values may differ.
 */
final class ParamsFile {
    /** A float whose four bytes all differ from 0.0f's, so the two renderings differ in every value byte. */
    private static final float MARK = Float.intBitsToFloat(0x3fa5a5a5);

    private ParamsFile() {}

    /** The file's bytes, once they were found to fit {@code fresh}'s layout (its weights are overwritten). */
    static byte[] read(Net fresh, Path file) throws IOException {
        // in-place writes to parameters that require gradients are refused while autograd records, and loading a
        // TorchScript module (or a gradient elsewhere in the JVM) may have left recording on
        boolean recording = JniUtils.isGradMode();
        byte[] zeros;
        byte[] marked;
        JniUtils.setGradMode(false);
        try {
            fresh.block().getParameters().values().forEach(p -> p.getArray().muli(0));
            zeros = fresh.parameterBytes();
            fresh.block().getParameters().values().forEach(p -> p.getArray().addi(MARK));
            marked = fresh.parameterBytes();
        } finally {
            JniUtils.setGradMode(recording);
        }
        String arch = fresh.architecture().name();
        long size;
        try {
            size = Files.size(file);
        } catch (NoSuchFileException e) {
            throw new DigitlabException(file + ": no such file");
        }
        if (size != zeros.length || zeros.length != marked.length) {
            throw new DigitlabException(file + ": not " + arch + " weights (" + size + " bytes; " + arch + "'s take "
                    + zeros.length + ")");
        }
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(zeros.length);
        }
        if (bytes.length != zeros.length) {
            throw new DigitlabException(file + ": changed while it was read");
        }
        for (int i = 0; i < bytes.length; i++) {
            if (zeros[i] == marked[i] && bytes[i] != zeros[i]) {
                throw new DigitlabException(file + ": not " + arch + " weights (byte " + i + " is not what the layout "
                        + "holds there: a count, shape, name or length)");
            }
        }
        return bytes;
    }
}
