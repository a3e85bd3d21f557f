package dev.digitlab.exchange;

import dev.digitlab.DigitlabException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A whole module as {@code torch.save(model)} writes it, read as data: each module's parameters, then its persistent
 * buffers, then its children, in the order they were registered, which is the state_dict PyTorch's own
 * {@code model.state_dict()} would give. Only objects with a module's attributes are accepted.
 */
final class ModuleTree {
    /** Deeper than any real network nests its modules, shallow enough that the walk cannot exhaust the stack. */
    private static final int MAX_DEPTH = 100;

    private ModuleTree() {}

    static TorchPickle.OrderedDict stateDict(ObjectRecord root, Path file) {
        TorchPickle.OrderedDict out = new TorchPickle.OrderedDict();
        walk(root, "", 0, out, file, Collections.newSetFromMap(new IdentityHashMap<>()));
        return out;
    }

    private static void walk(ObjectRecord module, String prefix, int depth, TorchPickle.OrderedDict out, Path file,
            Set<ObjectRecord> seen) {
        String where = prefix.isEmpty() ? "the saved module" : "module " + Limits.brief(prefix.substring(0, prefix.length() - 1));
        if (depth > MAX_DEPTH) {
            throw new DigitlabException(file + ": modules nested more than " + MAX_DEPTH + " deep");
        }
        if (!seen.add(module)) { // a module tree is a tree: one module in two places would be walked twice, or 2^n times
            throw new DigitlabException(file + ": " + where + " is a module already met elsewhere in the tree");
        }
        Map<?, ?> state = module.state();
        if (state == null || !(state.get("_parameters") instanceof Map<?, ?> parameters)
                || !(state.get("_buffers") instanceof Map<?, ?> buffers) || !(state.get("_modules") instanceof Map<?, ?> children)) {
            throw new DigitlabException(file + ": " + where + " is a " + Limits.brief(module.className())
                    + " without a module's _parameters, _buffers and _modules; not a torch.nn module");
        }
        Collection<?> transientBuffers = state.get("_non_persistent_buffers_set") instanceof Set<?> s ? s : Set.of();
        put(parameters, prefix, out, file, where);
        buffers.entrySet().removeIf(e -> transientBuffers.contains(e.getKey()));
        put(buffers, prefix, out, file, where);
        for (Map.Entry<?, ?> child : children.entrySet()) {
            if (child.getValue() == null) {
                continue;
            }
            if (!(child.getValue() instanceof ObjectRecord r)) {
                throw new DigitlabException(file + ": " + where + "'s child " + Limits.brief(String.valueOf(child.getKey()))
                        + " is not a module");
            }
            walk(r, prefix + child.getKey() + ".", depth + 1, out, file, seen);
        }
    }

    private static void put(Map<?, ?> tensors, String prefix, TorchPickle.OrderedDict out, Path file, String where) {
        for (Map.Entry<?, ?> e : tensors.entrySet()) {
            if (e.getValue() == null) {
                continue; // a parameter set to None (bias=False)
            }
            if (!(e.getKey() instanceof String name) || !(e.getValue() instanceof TorchPickle.PendingTensor)) {
                throw new DigitlabException(file + ": " + where + " holds " + Limits.brief(String.valueOf(e.getKey()))
                        + ", which is not a tensor");
            }
            out.put(prefix + name, e.getValue());
        }
    }
}
