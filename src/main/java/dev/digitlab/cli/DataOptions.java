package dev.digitlab.cli;

import dev.digitlab.data.DataFolder;
import dev.digitlab.data.Dataset;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Where the data comes from: shared by every command that reads a data set. */
public class DataOptions {
    @Option(names = "--dataset", paramLabel = "NAME",
            description = "mnist or fashion (default: mnist; for a saved model, the data set it was trained on)")
    String dataset;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "folder holding the four IDX files (default: $DIGITLAB_DATA/<dataset>, else ~/.cache/digitlab/<dataset>)")
    Path dataDir;

    @Option(names = "--mirror", paramLabel = "URL",
            description = "HTTP folder with the gzipped IDX files, tried instead of the built-in mirrors (repeatable)")
    List<String> mirrors = new ArrayList<>();

    public Dataset dataset() {
        return Dataset.parse(dataset == null ? "mnist" : dataset);
    }

    /** The data set a saved model was trained on, unless --dataset says otherwise. */
    DataOptions orModelDefault(String modelDataset) {
        if (dataset == null && modelDataset != null) {
            dataset = modelDataset;
        }
        return this;
    }

    public Path dir() {
        return dataDir != null ? dataDir : DataFolder.defaultDir(dataset());
    }

    /** Loads train and test, fetching the data first if the folder lacks it. */
    public DataFolder.TrainTest load() {
        DataFolder.ensure(dataset(), dir(), mirrors, Main::info);
        return DataFolder.load(dataset(), dir());
    }
}
