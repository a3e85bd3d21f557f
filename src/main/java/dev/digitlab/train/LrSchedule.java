package dev.digitlab.train;

/**
 * The learning rate at each optimiser step. {@code step}: times gamma every stepEpochs epochs; {@code cosine}:
 * half a cosine from lr to 0; {@code onecycle}: PyTorch's OneCycleLR defaults (warm up from lr/25 over the first
 * 30 % of steps, then cosine down to lr/25e4).
 */
public record LrSchedule(TrainConfig.Schedule kind, double lr, int stepsPerEpoch, int totalSteps, int stepEpochs, double gamma) {

    public static LrSchedule of(TrainConfig c, int stepsPerEpoch) {
        return new LrSchedule(c.lrSchedule(), c.lr(), stepsPerEpoch, stepsPerEpoch * c.epochs(), c.stepEpochs(), c.gamma());
    }

    /** The rate for step {@code t}, counted from 0. */
    public float at(long t) {
        double progress = Math.min(1.0, t / (double) Math.max(1, totalSteps));
        double rate = switch (kind) {
            case NONE -> lr;
            case STEP -> lr * Math.pow(gamma, (t / stepsPerEpoch) / stepEpochs);
            case COSINE -> lr * 0.5 * (1 + Math.cos(Math.PI * progress));
            case ONECYCLE -> oneCycle(progress);
        };
        return (float) rate;
    }

    private double oneCycle(double progress) {
        double start = lr / 25;
        double end = start / 1e4;
        double warm = 0.3;
        if (progress < warm) {
            return anneal(start, lr, progress / warm);
        }
        return anneal(lr, end, (progress - warm) / (1 - warm));
    }

    private static double anneal(double from, double to, double fraction) {
        return to + (from - to) * 0.5 * (1 + Math.cos(Math.PI * fraction));
    }
}
