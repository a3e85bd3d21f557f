package dev.digitlab.exchange;

import dev.digitlab.DigitlabException;
import java.nio.file.Path;
import net.razorvine.pickle.IObjectConstructor;

/**
 * A class or function a pickle names outside the allow-list, kept as its name: {@code torch.save(model)} names the
 * author's class and torch.nn's, whose objects are recorded as data ({@link ObjectRecord}) without importing or running
 * anything. Calling it (REDUCE) is what a code-running pickle does, and is refused.
 */
record ClassRef(Path file, String name) implements IObjectConstructor {
    @Override
    public Object construct(Object[] args) {
        throw new DigitlabException(file + ": refused: the pickle calls " + name
                + "; a state_dict needs only OrderedDict, torch tensors and storages");
    }
}
