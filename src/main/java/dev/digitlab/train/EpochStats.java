package dev.digitlab.train;

import java.util.Locale;

/**
 * One line of the training history. Validation figures are NaN when there is no validation split; {@code rssMb}
 * is the resident memory after the epoch, so a leak of native memory shows as a rising column.
 */
public record EpochStats(int epoch, String time, double trainLoss, double trainAccuracy, double valLoss,
                         double valAccuracy, double lr, double seconds, double rssMb) {

    static final String CSV_HEADER = "epoch,time,train_loss,train_accuracy,val_loss,val_accuracy,lr,seconds,rss_mb";

    String csv() {
        return String.format(Locale.ROOT, "%d,%s,%.6f,%.6f,%.6f,%.6f,%.6g,%.3f,%.0f",
                epoch, time, trainLoss, trainAccuracy, valLoss, valAccuracy, lr, seconds, rssMb);
    }

    /** The line printed after each epoch. */
    String line(int epochs) {
        boolean noVal = Double.isNaN(valLoss);
        return String.format(Locale.ROOT,
                "%s  epoch %d/%d  train loss %.4f  val loss %s  train acc %.2f%%  val acc %s  %.1f s  rss %.0f MB",
                time, epoch, epochs, trainLoss, noVal ? "-" : String.format(Locale.ROOT, "%.4f", valLoss),
                100 * trainAccuracy, noVal ? "-" : String.format(Locale.ROOT, "%.2f%%", 100 * valAccuracy), seconds,
                rssMb);
    }
}
