package dev.digitlab.cli;

import dev.digitlab.train.Recipes;
import java.util.Iterator;

/** The named recipes, for help texts ({@code ${COMPLETION-CANDIDATES}}), so that no help lists them by hand. */
final class RecipeNames implements Iterable<String> {
    @Override
    public Iterator<String> iterator() {
        return Recipes.names().iterator();
    }
}
