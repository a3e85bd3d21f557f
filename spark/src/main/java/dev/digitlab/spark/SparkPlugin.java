package dev.digitlab.spark;

import dev.digitlab.cli.CommandPlugin;
import java.util.List;

/** Adds {@code digitlab score} when this module is on the class path. */
public final class SparkPlugin implements CommandPlugin {
    @Override
    public List<Object> commands() {
        return List.of(new ScoreCommand());
    }
}
