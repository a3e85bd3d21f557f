package dev.digitlab.cli;

import dev.digitlab.DigitlabException;
import dev.digitlab.data.Digits;
import dev.digitlab.data.KaggleCsv;
import dev.digitlab.api.Classifier;
import dev.digitlab.eval.Submission;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "kaggle", mixinStandardHelpOptions = true,
        description = "Write a Kaggle 'digit recognizer' submission (ImageId,Label) for a test.csv.")
class KaggleCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "a saved model folder")
    Path model;

    @Option(names = "--test", required = true, paramLabel = "CSV", description = "Kaggle test.csv: a header pixel0..pixel783, no label column")
    Path test;

    @Option(names = "--out", defaultValue = "submission.csv", paramLabel = "CSV", description = "where to write (default: ${DEFAULT-VALUE})")
    Path out;

    @Override
    public Integer call() throws Exception {
        try (Classifier classifier = Classifier.load(model)) {
            Digits images = KaggleCsv.read(test, classifier.sidecar().classNames());
            if (images.hasLabels()) {
                throw new DigitlabException(test + ": has a label column; a Kaggle test file holds pixel0..pixel783 only");
            }
            Submission.write(classifier.outputs(images), out);
            System.out.println("wrote " + images.size() + " predictions to " + out);
        }
        return 0;
    }
}
