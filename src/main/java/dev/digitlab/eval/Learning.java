package dev.digitlab.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.digitlab.AtomicFiles;
import dev.digitlab.DigitlabException;
import dev.digitlab.Sha256;
import dev.digitlab.api.Classifier;
import dev.digitlab.data.DataFolder;
import dev.digitlab.data.Digits;
import dev.digitlab.data.Feedback;
import dev.digitlab.data.KaggleCsv;
import dev.digitlab.model.Inference;
import dev.digitlab.model.Metrics;
import dev.digitlab.model.ModelFolder;
import dev.digitlab.train.Ensemble;
import dev.digitlab.train.FineTune;
import dev.digitlab.train.LearnConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Learning from feedback: a model (or each member of an ensemble) fine-tuned on a feedback file with replayed
 * training images ({@link FineTune}), judged before and after on the MNIST test set and on feedback held out of
 * training, and the {@link Guard}'s verdict. The new folder is built beside its destination and moved into place
 * whole, so a learn that is killed leaves nothing behind but a hidden folder, and never touches the parent.
 */
public final class Learning {
    /** The fewest usable feedback rows (after cleaning) worth a fine-tune: fewer could not be judged. */
    public static final int MIN_ROWS = 10;
    private static final ObjectMapper JSON = new ObjectMapper();

    private Learning() {}

    /**
     * A model's figures: MNIST test accuracy (overall and per class) and accuracy on the held-out feedback (overall,
     * per class, and the held-out rows per class).
     */
    public record Figures(double testAccuracy, double testLoss, double[] testByClass, double heldOutAccuracy,
                          double[] heldOutByClass, int[] heldOutCounts) {}

    /** What a learn did: the feedback as used, the figures before and after, and the guard's verdict. */
    public record Outcome(Path out, Feedback feedback, Figures before, Figures after, Guard guard) {}

    /**
     * The class of the held-out feedback that improved most, as "7s 62 % -> 95 %" (null when none did): what a
     * player recognises of their own drawings.
     */
    public static String mostImproved(Figures before, Figures after) {
        int best = -1;
        for (int k = 0; k < before.heldOutCounts().length; k++) {
            double gain = after.heldOutByClass()[k] - before.heldOutByClass()[k];
            if (before.heldOutCounts()[k] > 0 && gain > 0
                    && (best < 0 || gain > after.heldOutByClass()[best] - before.heldOutByClass()[best])) {
                best = k;
            }
        }
        return best < 0 ? null : String.format(Locale.ROOT, "%ss %.0f %% -> %.0f %%", before.heldOutCounts().length == Digits.CLASSES
                ? String.valueOf(best) : "class " + best, 100 * before.heldOutByClass()[best], 100 * after.heldOutByClass()[best]);
    }

    /**
     * Fine-tunes the model or ensemble in {@code parent} on {@code feedbackFile}, replaying the training images of
     * {@code data} (the parent's data set, loaded once the feedback is found usable), judged on its test images; writes
     * the result to {@code out}, which must not exist. The new folder records the feedback as {@code recordedAs}
     * (where it came from) with the file's hash and rows.
     */
    public static Outcome run(Path parent, Path feedbackFile, String recordedAs, Supplier<DataFolder.TrainTest> data,
                              LearnConfig c, Path out, Consumer<String> log) throws IOException {
        c.validate();
        if (Files.exists(out)) {
            throw new DigitlabException(out + " already exists; choose another folder for the new model");
        }
        List<Path> members = learnable(parent);
        List<String> classNames = ModelFolder.readSidecar(members.get(0)).classNames();
        Digits file = KaggleCsv.read(feedbackFile, classNames);
        if (!file.hasLabels()) {
            throw new DigitlabException(feedbackFile + ": has no label column; learn needs labelled rows (label,pixel0,...)");
        }
        Feedback fb = Feedback.prepare(file, c.holdOut(), c.seed());
        if (fb.learn().size() + fb.heldOut().size() < MIN_ROWS || fb.heldOut().size() == 0) {
            throw new DigitlabException(feedbackFile + ": " + (fb.learn().size() + fb.heldOut().size()) + " usable rows of "
                    + fb.rows() + " (" + fb.conflicts() + " with conflicting labels, " + fb.repeats() + " repeats); learn needs "
                    + MIN_ROWS + " or more");
        }
        log.accept(String.format(Locale.ROOT, "feedback %s: %d rows, %d dropped for conflicting labels, %d repeats counted once; "
                + "learning from %d, judging by %d held out", feedbackFile.getFileName(), fb.rows(), fb.conflicts(),
                fb.repeats(), fb.learn().size(), fb.heldOut().size()));
        DataFolder.TrainTest sets = data.get();
        Digits replay = sets.train();
        Digits test = sets.test();
        Figures before = figures(members, test, fb.heldOut());
        Path work = out.toAbsolutePath().normalize().resolveSibling("." + out.getFileName() + ".learning");
        AtomicFiles.deleteTree(work); // what a killed learn left
        Files.createDirectories(work);
        try {
            List<String> names = new ArrayList<>();
            List<Path> tuned = new ArrayList<>();
            for (int k = 1; k <= members.size(); k++) {
                String name = members.size() == 1 ? "" : Ensemble.memberName(k);
                log.accept(members.size() == 1 ? "fine-tuning " + parent : "fine-tuning member " + k + " of " + members.size());
                FineTune.run(members.get(k - 1), fb.learn(), replay, c, work.resolve(name));
                names.add(name);
                tuned.add(work.resolve(name));
            }
            Figures after = figures(tuned, test, fb.heldOut());
            Guard guard = Guard.judge(before, after, c);
            Map<String, Object> record = record(parent, feedbackFile, recordedAs, fb, c, before, after, guard);
            Metrics metrics = Metrics.tested(after.testLoss(), after.testAccuracy()).withHeldOut(after.heldOutAccuracy());
            for (Path m : tuned) {
                ModelFolder.Sidecar s = ModelFolder.readSidecar(m);
                // the parent's own record of where its weights came from stays; the last learn is added (or replaces the
                // parent's learn, whose record is in the parent's folder)
                @SuppressWarnings("unchecked")
                Map<String, Object> source = s.source() != null && s.source().isObject()
                        ? JSON.convertValue(s.source(), LinkedHashMap.class) : new LinkedHashMap<>();
                source.put("learned", record);
                // an ensemble's figures are its own, in ensemble.json; its members were not scored one by one
                ModelFolder.saveSidecar(m, s.with(tuned.size() == 1 ? metrics : Metrics.NONE, source));
            }
            if (tuned.size() > 1) {
                ModelFolder.saveEnsemble(work, names, metrics.withLearned(JSON.valueToTree(record)));
            }
            Files.move(work, out.toAbsolutePath().normalize());
            return new Outcome(out, fb, before, after, guard);
        } catch (IOException | RuntimeException e) {
            AtomicFiles.deleteTree(work);
            throw e;
        }
    }

    /**
     * The model folders of {@code model} (one, or an ensemble's members), checked to be ones learn can fine-tune: zoo
     * architectures, not TorchScript modules (whose layers digitlab cannot train).
     */
    public static List<Path> learnable(Path model) {
        List<Path> members = ModelFolder.members(model);
        for (Path m : members) {
            if (ModelFolder.verify(m).architectureOf().scripted()) {
                throw new DigitlabException(m + " holds a TorchScript module; learn fine-tunes zoo models only");
            }
        }
        return members;
    }

    /** What the new folder records about where it came from. */
    private static Map<String, Object> record(Path parent, Path feedbackFile, String recordedAs, Feedback fb, LearnConfig c, Figures before,
                                              Figures after, Guard guard) throws IOException {
        Map<String, Object> feedback = new LinkedHashMap<>();
        feedback.put("file", recordedAs);
        feedback.put("sha256", Sha256.of(feedbackFile));
        feedback.put("rows", fb.rows());
        feedback.put("conflicts", fb.conflicts());
        feedback.put("repeats", fb.repeats());
        feedback.put("learnedFrom", fb.learn().size());
        feedback.put("heldOut", fb.heldOut().size());
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("parent", parent.toAbsolutePath().normalize().toString());
        r.put("feedback", feedback);
        r.put("settings", c);
        r.put("before", before);
        r.put("after", after);
        r.put("promoted", guard.promoted());
        r.put("guard", guard.reasons());
        return r;
    }

    /** The figures of the model made of {@code members} on the MNIST test set and the held-out feedback. */
    static Figures figures(List<Path> members, Digits test, Digits heldOut) {
        try (Classifier model = Classifier.load(members, false)) {
            Evaluation t = Evaluation.of(model.outputs(test), test);
            Inference.Outputs h = model.outputs(heldOut);
            Evaluation e = Evaluation.of(h, heldOut);
            return new Figures(t.accuracy(), t.loss(), t.recall(), e.accuracy(), e.recall(), e.support());
        }
    }

}
