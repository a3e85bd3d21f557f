package dev.digitlab.cli;

import dev.digitlab.model.Models;
import dev.digitlab.model.Summary;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "summary", mixinStandardHelpOptions = true,
        description = "A torchsummary-style table of a model: layers, output shapes, parameters, sizes.")
class SummaryCommand implements Callable<Integer> {
    @Parameters(paramLabel = "MODEL", completionCandidates = ZooNames.class, description = "${COMPLETION-CANDIDATES}")
    String model;

    @Override
    public Integer call() {
        System.out.print(Summary.of(Models.create(model)));
        return 0;
    }
}
