package dev.digitlab.cli;

import dev.digitlab.data.Dataset;
import dev.digitlab.exchange.Import;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "import", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Make a model folder from a PyTorch file: a state_dict saved by torch.save (zip or legacy format), "
                + "a whole module saved by torch.save(model), or a .safetensors file, for a zoo architecture; or a "
                + "TorchScript module saved by torch.jit.save, of any architecture. evaluate, predict, kaggle, serve (and, "
                + "for state_dicts, report) then work on the folder.",
                "Pickles are read with an allow-list: nothing in the file is executed. A TorchScript module's code is "
                + "checked before it runs: pure tensor operations only, unless --trust-script."})
class ImportCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", description = "the .pth / .pt / .safetensors file")
    Path file;

    @Option(names = "--arch", paramLabel = "NAME", completionCandidates = ZooNames.class, description = "the zoo architecture the state_dict is for: ${COMPLETION-CANDIDATES} (not for TorchScript)")
    String arch;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "the model folder to create")
    Path out;

    @Option(names = "--normalize", paramLabel = "HOW", description = "the normalisation the model was trained with: mnist (0.1307/0.3081), half (0.5/0.5), none, or MEAN,STD (default: what the file records, as digitlab's export does, else mnist)")
    String normalize;

    @Option(names = "--dataset", paramLabel = "NAME", description = "mnist or fashion: the classes the model predicts (default: what the file records, as digitlab's export does, else mnist)")
    String dataset;

    @Option(names = "--key-map", split = ",", paramLabel = "MODULES", description = "the file's modules in the order of the architecture's layers with parameters, "
            + "e.g. features.0,features.3,classifier.0 (default: matched by key paths and shapes)")
    List<String> keyMap;

    @Option(names = "--trust-script", description = "run a TorchScript module whose code calls more than pure tensor operations "
            + "(file access, custom operators); only for modules from a source you trust (default: refused)")
    boolean trustScript;

    @Override
    public Integer call() throws Exception {
        Import.Result r = Import.run(file, out, new Import.Options(arch, normalize == null ? null : Import.normalization(normalize), dataset == null ? null : Dataset.parse(dataset), keyMap, trustScript));
        System.out.println("imported " + r.architecture() + " from " + file + " (" + r.format().name().toLowerCase(Locale.ROOT)
                .replace('_', '-') + (r.tensors() > 0 ? ", " + r.tensors() + " tensors" : "") + ") into " + out);
        System.out.println("next: digitlab evaluate --model " + out + "   |   digitlab serve --model " + out);
        return 0;
    }
}
