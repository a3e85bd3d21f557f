package dev.digitlab.train;

/** One line of the training history. Validation figures are NaN when there is no validation split. */
public record EpochStats(int epoch, String time, double trainLoss, double trainAccuracy, double valLoss,
                         double valAccuracy, double lr, double seconds) {

    static final String CSV_HEADER = "epoch,time,train_loss,train_accuracy,val_loss,val_accuracy,lr,seconds";

    String csv() {
        return String.format(java.util.Locale.ROOT, "%d,%s,%.6f,%.6f,%.6f,%.6f,%.6g,%.3f",
                epoch, time, trainLoss, trainAccuracy, valLoss, valAccuracy, lr, seconds);
    }

    /** The line printed after each epoch. */
    String line(int epochs) {
        boolean noVal = Double.isNaN(valLoss);
        return String.format(java.util.Locale.ROOT,
                "%s  epoch %d/%d  train loss %.4f  val loss %s  train acc %.2f%%  val acc %s  %.1f s",
                time, epoch, epochs, trainLoss, noVal ? "-" : String.format(java.util.Locale.ROOT, "%.4f", valLoss),
                100 * trainAccuracy, noVal ? "-" : String.format(java.util.Locale.ROOT, "%.2f%%", 100 * valAccuracy), seconds);
    }
}
