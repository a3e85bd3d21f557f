package dev.digitlab.data;

import dev.digitlab.DigitlabException;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Strict reader for Kaggle "digit recognizer" CSV: a header, then one image per row,
 * {@code label,pixel0..pixel783} for training files and {@code pixel0..pixel783} for test files.
 */
public final class KaggleCsv {

    private KaggleCsv() {}

    /** Reads a file with or without a label column; the header says which. */
    public static Digits read(Path file, List<String> classNames) {
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String header = in.readLine();
            if (header == null) {
                throw new DigitlabException(file + ": empty file (expected a header line)");
            }
            boolean labelled = checkHeader(file, header.strip());
            int fields = labelled ? Digits.PIXELS + 1 : Digits.PIXELS;
            ByteSink pixels = new ByteSink(Math.max(1024, (int) Math.min(Files.size(file) / 2, Integer.MAX_VALUE - 8)));
            ByteSink labels = new ByteSink(1024);
            int row = 1; // line numbers as an editor shows them: the header is line 1
            int[] values = new int[fields];
            for (String line; (line = in.readLine()) != null; ) {
                row++;
                if (line.isBlank()) {
                    continue;
                }
                parseRow(file, row, line, values, labelled);
                if (labelled) {
                    if (values[0] >= Digits.CLASSES) {
                        throw new DigitlabException(file + ": line " + row + ": label " + values[0] + " is outside 0-9");
                    }
                    labels.add((byte) values[0]);
                }
                for (int i = labelled ? 1 : 0; i < fields; i++) {
                    pixels.add((byte) values[i]);
                }
            }
            int count = pixels.size / Digits.PIXELS;
            if (count == 0) {
                throw new DigitlabException(file + ": no data rows after the header");
            }
            return new Digits(pixels.toArray(), labelled ? labels.toArray() : null, count, Digits.SIDE, Digits.SIDE, classNames,
                    file.toString());
        } catch (NoSuchFileException e) {
            throw new DigitlabException(file + ": no such file");
        } catch (IOException e) {
            throw new DigitlabException(file + ": cannot read: " + e.getMessage());
        }
    }

    /** One row of a file: its label (-1 without a label column) and its 784 pixels. */
    public record Row(int label, byte[] pixels) {}

    /**
     * Checks a header line as {@link #read} does and says whether it has a label column; {@code where} names the file
     * in the error.
     */
    public static boolean labelled(String where, String header) {
        return checkHeader(Path.of(where), header.strip());
    }

    /**
     * One data line, checked exactly as {@link #read} checks it (for readers that see a file line by line, as Spark
     * does); {@code where} and {@code row} name it in the error.
     */
    public static Row row(String where, long row, String line, boolean labelled) {
        int[] values = new int[labelled ? Digits.PIXELS + 1 : Digits.PIXELS];
        parseRow(Path.of(where), row, line, values, labelled);
        if (labelled && values[0] >= Digits.CLASSES) {
            throw new DigitlabException(where + ": line " + row + ": label " + values[0] + " is outside 0-9");
        }
        byte[] px = new byte[Digits.PIXELS];
        for (int i = 0; i < Digits.PIXELS; i++) {
            px[i] = (byte) values[labelled ? i + 1 : i];
        }
        return new Row(labelled ? values[0] : -1, px);
    }

    private static boolean checkHeader(Path file, String header) {
        String[] names = header.split(",", -1);
        boolean labelled = names.length > 0 && names[0].strip().equals("label");
        int expected = labelled ? Digits.PIXELS + 1 : Digits.PIXELS;
        if (names.length != expected) {
            throw new DigitlabException(file + ": header has " + names.length + " columns; expected 'label,pixel0..pixel783'"
                    + " (training) or 'pixel0..pixel783' (test)");
        }
        for (int i = 0; i < Digits.PIXELS; i++) {
            String name = names[labelled ? i + 1 : i].strip();
            if (!name.equals("pixel" + i)) {
                throw new DigitlabException(file + ": header column " + (labelled ? i + 2 : i + 1) + " is '" + name
                        + "', expected 'pixel" + i + "'");
            }
        }
        return labelled;
    }

    /** Parses one row of small non-negative integers without splitting it into strings. */
    private static void parseRow(Path file, long row, String line, int[] values, boolean labelled) {
        int field = 0;
        int value = 0;
        int digits = 0;
        int n = line.length();
        for (int i = 0; i <= n; i++) {
            char ch = i < n ? line.charAt(i) : ',';
            if (ch == ',') {
                if (field >= values.length) {
                    throw new DigitlabException(file + ": line " + row + ": more than " + values.length + " fields");
                }
                if (digits == 0) {
                    throw new DigitlabException(file + ": line " + row + ": field " + column(field, labelled) + " is empty");
                }
                if (value > 255) {
                    throw new DigitlabException(file + ": line " + row + ": field " + column(field, labelled) + " value " + value
                            + " is outside 0-255");
                }
                values[field++] = value;
                value = 0;
                digits = 0;
            } else if (ch >= '0' && ch <= '9') {
                value = Math.min(value * 10 + (ch - '0'), 100_000); // clamp: anything over 255 is an error anyway
                digits++;
            } else if (ch == ' ' || ch == '\r' || ch == '\t') {
                // surrounding white space is tolerated
            } else {
                throw new DigitlabException(file + ": line " + row + ": field " + column(field, labelled)
                        + " is not a whole number 0-255 ('" + fieldText(line, i) + "')");
            }
        }
        if (field != values.length) {
            throw new DigitlabException(file + ": line " + row + ": " + field + " fields, expected " + values.length);
        }
    }

    /** "3 (pixel1)": the 1-based field number with the column's name. */
    private static String column(int field, boolean labelled) {
        String name = labelled ? (field == 0 ? "label" : "pixel" + (field - 1)) : "pixel" + field;
        return (field + 1) + " (" + name + ")";
    }

    private static String fieldText(String line, int at) {
        int start = line.lastIndexOf(',', at) + 1;
        int end = line.indexOf(',', at);
        String s = line.substring(start, end < 0 ? line.length() : end);
        return s.length() > 20 ? s.substring(0, 20) + "..." : s;
    }

    /** A growable byte array, so 42,000 rows never become 42,000 objects. */
    private static final class ByteSink {
        byte[] data;
        int size;

        ByteSink(int capacity) {
            data = new byte[capacity];
        }

        void add(byte b) {
            if (size == data.length) {
                data = Arrays.copyOf(data, data.length * 2);
            }
            data[size++] = b;
        }

        byte[] toArray() {
            return Arrays.copyOf(data, size);
        }
    }
}
