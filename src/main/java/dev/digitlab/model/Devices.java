package dev.digitlab.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import dev.digitlab.DigitlabException;

/** Turns {@code --device cpu|gpu|auto} into a DJL device. */
public final class Devices {
    private Devices() {}

    public static Device pick(String name) {
        int gpus = Engine.getInstance().getGpuCount();
        return switch (name) {
            case "cpu" -> Device.cpu();
            case "gpu" -> {
                if (gpus == 0) {
                    throw new DigitlabException("--device gpu: no GPU visible to the PyTorch engine "
                            + "(this build carries the CPU natives; use --device cpu or auto)");
                }
                yield Device.gpu();
            }
            case "auto" -> gpus > 0 ? Device.gpu() : Device.cpu();
            default -> throw new DigitlabException("--device must be cpu, gpu or auto, got '" + name + "'");
        };
    }
}
