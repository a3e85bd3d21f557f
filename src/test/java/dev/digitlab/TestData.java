package dev.digitlab;

import dev.digitlab.data.DataFolder;
import dev.digitlab.data.Dataset;
import java.util.List;

/** Real MNIST for tests, fetched once through the project's own fetch when the cache lacks it. */
public final class TestData {
    private static DataFolder.TrainTest mnist;

    private TestData() {}

    public static synchronized DataFolder.TrainTest mnist() {
        if (mnist == null) {
            var dir = DataFolder.defaultDir(Dataset.MNIST);
            DataFolder.ensure(Dataset.MNIST, dir, List.of(), System.err::println);
            mnist = DataFolder.load(Dataset.MNIST, dir);
        }
        return mnist;
    }
}
