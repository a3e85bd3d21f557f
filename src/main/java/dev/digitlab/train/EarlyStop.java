package dev.digitlab.train;

/** Stops after {@code patience} epochs without a better watched loss (0: never); remembers the best. */
final class EarlyStop {
    private final int patience;
    private double best;
    private int bad;

    EarlyStop(int patience, double best, int bad) {
        this.patience = patience;
        this.best = best;
        this.bad = bad;
    }

    /** Records an epoch's watched loss; true when it is the best so far. */
    boolean record(double loss) {
        if (loss < best) {
            best = loss;
            bad = 0;
            return true;
        }
        bad++;
        return false;
    }

    boolean triggered() {
        return patience > 0 && bad >= patience;
    }

    double best() {
        return best;
    }

    /** Epochs since the best one (0: the last epoch is the best). */
    int bad() {
        return bad;
    }
}
