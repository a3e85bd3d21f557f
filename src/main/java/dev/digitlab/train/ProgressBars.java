package dev.digitlab.train;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** A progress bar per epoch on standard error, with the running loss. */
public final class ProgressBars implements TrainingListener {
    private ProgressBar bar;
    private double lossSum;
    private long images;

    /** A bar across {@code total} units of work (an experiment's runs, say), on standard error. */
    public static ProgressBar bar(String task, long total, boolean eta) {
        ProgressBarBuilder b = new ProgressBarBuilder().setTaskName(task).setInitialMax(total).setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(250).setConsumer(new ConsoleProgressBarConsumer(System.err));
        return (eta ? b : b.hideEta()).build();
    }

    @Override
    public void step(Step s) {
        if (s.step() == 1) {
            close();
            bar = bar("epoch " + s.epoch(), s.stepsPerEpoch(), false);
            lossSum = 0;
            images = 0;
        }
        lossSum += s.loss() * s.images();
        images += s.images();
        bar.step();
        bar.setExtraMessage(String.format(" loss %.4f", lossSum / images));
        if (s.step() == s.stepsPerEpoch()) {
            close();
        }
    }

    @Override
    public void finished(Finish f) {
        close();
    }

    private void close() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
