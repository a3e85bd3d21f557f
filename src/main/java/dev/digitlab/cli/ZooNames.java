package dev.digitlab.cli;

import dev.digitlab.model.Models;
import java.util.Iterator;

/** The model zoo's names, for help texts ({@code ${COMPLETION-CANDIDATES}}), so that no help lists them by hand. */
final class ZooNames implements Iterable<String> {
    @Override
    public Iterator<String> iterator() {
        return Models.names().iterator();
    }
}
