package dev.digitlab.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.digitlab.BadSetting;

/** Turns a device choice into a DJL device. */
public final class Devices {
    private Devices() {}

    public enum Choice {
        CPU, GPU, AUTO;

        @JsonValue
        @Override
        public String toString() {
            return dev.digitlab.Choice.label(this);
        }

        @JsonCreator
        public static Choice parse(String text) {
            return dev.digitlab.Choice.parse(Choice.class, text, "device");
        }
    }

    public static Device pick(Choice choice) {
        int gpus = Engine.getInstance().getGpuCount();
        return switch (choice) {
            case CPU -> Device.cpu();
            case GPU -> {
                BadSetting.check(gpus > 0, "device", "gpu: no GPU visible to the PyTorch engine "
                        + "(this build carries the CPU natives; use cpu or auto)");
                yield Device.gpu();
            }
            case AUTO -> gpus > 0 ? Device.gpu() : Device.cpu();
        };
    }
}
