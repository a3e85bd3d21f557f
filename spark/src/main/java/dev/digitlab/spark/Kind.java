package dev.digitlab.spark;

import dev.digitlab.DigitlabException;
import dev.digitlab.data.Digits;
import dev.digitlab.data.ImagePrep;
import dev.digitlab.data.KaggleCsv;
import java.nio.charset.StandardCharsets;

/**
 * What an input's rows hold, one kind for the whole input ({@link Input#read} decides it from the path): 784
 * MNIST-like pixels (IDX), a picture (a folder of PNG/JPEG files), either by length (a Parquet column), a Kaggle CSV
 * line without or with a label column.
 */
enum Kind {
    PIXELS, PICTURE, PIXELS_OR_PICTURE, CSV_LINE, CSV_LABELLED_LINE;

    /**
     * A row's 784 pixels as the model takes them, and its true label: a labelled CSV line's own, else the one the
     * input gave (IDX labels beside the images, a Parquet label column), else null.
     */
    record Prepared(byte[] pixels, Integer trueLabel) {}

    /**
     * Pixels as they are (IDX, CSV, raw Parquet: MNIST-like already, as evaluate and kaggle take them); pictures made
     * MNIST-like exactly as predict does.
     */
    Prepared prepare(InputRow r) {
        byte[] data = r.data();
        if (data == null) {
            throw new DigitlabException("no image data");
        }
        return switch (this) {
            case PIXELS -> new Prepared(pixels(data), r.trueLabel());
            case PICTURE -> new Prepared(ImagePrep.toMnist(ImagePrep.decode(data, r.id())), r.trueLabel());
            case PIXELS_OR_PICTURE -> {
                if (data.length == Digits.PIXELS) {
                    yield new Prepared(data, r.trueLabel());
                }
                if (!looksLikePicture(data)) {
                    throw new DigitlabException(data.length + " bytes: neither " + Digits.PIXELS + " pixels nor a PNG or JPEG image");
                }
                yield new Prepared(ImagePrep.toMnist(ImagePrep.decode(data, r.id())), r.trueLabel());
            }
            case CSV_LINE, CSV_LABELLED_LINE -> {
                KaggleCsv.Row row = KaggleCsv.row(r.file(), r.line(), new String(data, StandardCharsets.UTF_8),
                        this == CSV_LABELLED_LINE);
                yield new Prepared(row.pixels(), row.label() < 0 ? null : row.label()); // a CSV has no other labels
            }
        };
    }

    /** PNG's or JPEG's first bytes. */
    private static boolean looksLikePicture(byte[] d) {
        return d.length > 3 && (d[0] == (byte) 0x89 && d[1] == 'P' && d[2] == 'N' && d[3] == 'G'
                || d[0] == (byte) 0xFF && d[1] == (byte) 0xD8);
    }

    private static byte[] pixels(byte[] data) {
        if (data.length != Digits.PIXELS) {
            throw new DigitlabException(data.length + " pixels, not " + Digits.PIXELS);
        }
        return data;
    }
}
