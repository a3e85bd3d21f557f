package dev.digitlab.exchange;

import java.util.Map;

/** An object a pickle made of a class ({@code cls.__new__(cls)}, then its attributes): a name and a dict, nothing run. */
final class ObjectRecord {
    private final String className;
    private Map<?, ?> state;

    ObjectRecord(String className) {
        this.className = className;
    }

    String className() {
        return className;
    }

    Map<?, ?> state() {
        return state;
    }

    void setState(Map<?, ?> state) {
        this.state = state;
    }
}
