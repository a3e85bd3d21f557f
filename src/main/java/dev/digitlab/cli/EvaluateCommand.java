package dev.digitlab.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.digitlab.DigitlabException;
import dev.digitlab.data.Digits;
import dev.digitlab.data.KaggleCsv;
import dev.digitlab.api.Classifier;
import dev.digitlab.eval.Evaluation;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = "Test loss and accuracy, per-class precision/recall/F1, confusion matrix, wrong predictions.")
class EvaluateCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "a saved model folder (model.json + model.params)")
    Path model;

    @Option(names = "--tta", description = "test-time augmentation: average over each image and four turned or scaled views")
    boolean tta;

    @Option(names = "--json", description = "print the figures as JSON")
    boolean json;

    @Option(names = "--data", paramLabel = "CSV", description = "evaluate on a labelled Kaggle-format CSV instead of the test set")
    Path dataFile;

    @Mixin
    DataOptions data;

    @Override
    public Integer call() throws Exception {
        try (Classifier classifier = Classifier.load(model, tta)) {
            data.orModelDefault(classifier.sidecar().dataset());
            Digits test = dataFile != null ? KaggleCsv.read(dataFile, classifier.sidecar().classNames()) : data.load().test();
            if (!test.hasLabels()) {
                throw new DigitlabException(dataFile + ": has no label column to evaluate against");
            }
            Evaluation e = Evaluation.of(classifier.outputs(test), test);
            if (json) {
                System.out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(e));
            } else {
                System.out.print(e.text());
            }
        }
        return 0;
    }
}
