package dev.digitlab.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Adam, or SGD with momentum, whose whole state (moments and step count) can go into a checkpoint: DJL's own
 * optimisers keep theirs private, and a resumed run must continue exactly where it stopped. The updates are
 * the same fused native kernels DJL's optimisers call, so nothing is slower for it.
 */
public final class Optim implements AutoCloseable {
    private static final float NO_CLIPPING = -1f;
    private static final float EPSILON = 1e-8f;

    private final TrainConfig config;
    private final LrSchedule schedule;
    private final NDManager manager;
    private final Map<String, NDArray> first = new HashMap<>();  // Adam's mean, or SGD's momentum
    private final Map<String, NDArray> second = new HashMap<>(); // Adam's variance
    private long step;

    public Optim(TrainConfig config, LrSchedule schedule, NDManager parent) {
        this.config = config;
        this.schedule = schedule;
        this.manager = parent.newSubManager();
    }

    /** Applies one update to every parameter from its gradient; the native update also zeroes the gradient. */
    public void step(List<Pair<String, Parameter>> parameters) {
        float lr = schedule.at(step++);
        for (Pair<String, Parameter> p : parameters) {
            NDArray weight = p.getValue().getArray();
            try (NDArray grad = weight.getGradient()) { // a fresh handle each call: close it or it piles up
                if (config.optimizer() == TrainConfig.Optimizer.ADAM) {
                    adam(p.getKey(), weight, grad, lr);
                } else {
                    sgd(p.getKey(), weight, grad, lr);
                }
            }
        }
    }

    private void adam(String name, NDArray weight, NDArray grad, float lr) {
        double c1 = 1 - Math.pow(config.beta1(), step);
        double c2 = 1 - Math.pow(config.beta2(), step);
        float corrected = (float) (lr * Math.sqrt(c2) / c1);
        NDList inputs = new NDList(weight, grad, slot(first, name, weight), slot(second, name, weight));
        weight.getNDArrayInternal().adamUpdate(inputs, new NDList(weight), lr, corrected,
                (float) config.weightDecay(), 1f, NO_CLIPPING, (float) config.beta1(), (float) config.beta2(),
                EPSILON, true, false);
    }

    private void sgd(String name, NDArray weight, NDArray grad, float lr) {
        NDList inputs = config.momentum() > 0
                ? new NDList(weight, grad, slot(first, name, weight))
                : new NDList(weight, grad);
        weight.getNDArrayInternal().sgdUpdate(inputs, new NDList(weight), lr, (float) config.weightDecay(), 1f,
                NO_CLIPPING, (float) config.momentum(), true);
    }

    private NDArray slot(Map<String, NDArray> slots, String name, NDArray like) {
        return slots.computeIfAbsent(name, k -> manager.zeros(like.getShape(), like.getDataType(), like.getDevice()));
    }

    public long stepCount() {
        return step;
    }

    /** The learning rate the next step will use. */
    public float currentLr() {
        return schedule.at(step);
    }

    /**
     * Moments as one encoded NDList, each array named {@code m/<parameter>} or {@code v/<parameter>}; no bytes before
     * the first step (DJL cannot decode an empty list).
     */
    public byte[] encodeState() {
        if (first.isEmpty() && second.isEmpty()) {
            return new byte[0];
        }
        NDList list = new NDList();
        first.forEach((k, v) -> {
            v.setName("m/" + k);
            list.add(v);
        });
        second.forEach((k, v) -> {
            v.setName("v/" + k);
            list.add(v);
        });
        return list.encode();
    }

    public void restoreState(byte[] encoded, long stepCount) {
        this.step = stepCount;
        if (encoded.length == 0) {
            return;
        }
        NDList list = NDList.decode(manager, encoded);
        for (NDArray a : list) {
            String n = a.getName();
            (n.startsWith("m/") ? first : second).put(n.substring(2), a);
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
