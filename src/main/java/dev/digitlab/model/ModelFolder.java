package dev.digitlab.model;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.digitlab.AtomicFiles;
import dev.digitlab.DigitlabException;
import dev.digitlab.Sha256;
import dev.digitlab.Version;
import dev.digitlab.data.Digits;
import dev.digitlab.data.Normalization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A saved model: {@code model.params} (weights) and {@code model.json} (the sidecar). The sidecar says everything
 * needed to use the weights (architecture, input size, normalisation, class names), how they were trained, and
 * how well they did, so evaluate, predict and serve need nothing else. Loading a zoo model reads data only. A
 * TorchScript model is a program libtorch runs: its code is checked against {@link TorchScriptCheck}'s operators on every
 * load (the file may have been swapped since the import), unless the import recorded that the user trusted it.
 */
public final class ModelFolder {
    public static final String WEIGHTS = "model.params";
    /** A TorchScript model's module, in place of {@link #WEIGHTS}. */
    public static final String SCRIPT = "model.pt";
    public static final String SIDECAR = "model.json";
    public static final int FORMAT = 1;
    /** The {@code source} entry that records a TorchScript module imported as trusted: its code is not checked. */
    public static final String TRUSTED_SCRIPT = "trustedScript";
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * The sidecar's content. {@code training} and {@code metrics} are free-form JSON objects; {@code source} says
     * where imported weights came from (null for models digitlab trained).
     */
    public record Sidecar(int format, String digitlabVersion, String architecture, int inputSize, String normalization,
                          double mean, double std, List<String> classNames, long parameters, JsonNode training,
                          Metrics metrics, JsonNode source) {

        /** The figures saved with the weights ({@link Metrics#NONE} in a sidecar that has none). */
        @Override
        public Metrics metrics() {
            return metrics == null ? Metrics.NONE : metrics;
        }

        /** The data set the model was trained on (its id), or null when the sidecar does not say. */
        public String dataset() {
            return training == null ? null : training.path("dataset").asText(null);
        }

        public Normalization norm() {
            return new Normalization(normalization, mean, std);
        }

        /** This sidecar with other figures and another record of where the weights came from. */
        public Sidecar with(Metrics newMetrics, Object newSource) {
            return new Sidecar(format, digitlabVersion, architecture, inputSize, normalization, mean, std, classNames,
                    parameters, training, newMetrics, newSource == null ? null : JSON.valueToTree(newSource));
        }

        /** The architecture the sidecar names: a zoo model, or a TorchScript module of the recorded input size. */
        public Architecture architectureOf() {
            return Architecture.SCRIPT.equals(architecture) ? Architecture.script(inputSize) : Models.create(architecture);
        }
    }

    /** A model read back from a folder; close it to free its native memory. */
    public record Loaded(Net net, Sidecar sidecar) implements AutoCloseable {
        @Override
        public void close() {
            net.close();
        }
    }

    private ModelFolder() {}

    public static Sidecar sidecar(Net net, Normalization norm, List<String> classNames, Object training, Metrics metrics) {
        return sidecar(net, norm, classNames, training, metrics, null);
    }

    /** A sidecar for {@code net}; {@code source} (may be null) records where imported weights came from. */
    public static Sidecar sidecar(Net net, Normalization norm, List<String> classNames, Object training, Metrics metrics,
                                  Object source) {
        return new Sidecar(FORMAT, Version.VERSION, net.architecture().name(), net.architecture().inputSize(),
                norm.name(), norm.mean(), norm.std(), classNames, net.parameterCount(),
                JSON.valueToTree(training), metrics, source == null ? null : JSON.valueToTree(source));
    }

    /** Writes the weights, then the sidecar, each atomically. A TorchScript model's module is written by its import. */
    public static void save(Path dir, Net net, Sidecar sidecar) throws IOException {
        Files.createDirectories(dir);
        if (!net.architecture().scripted()) {
            net.save(dir.resolve(WEIGHTS));
        }
        saveSidecar(dir, sidecar);
    }

    /** Rewrites the sidecar of the model in {@code dir}, atomically; its weights stay as they are. */
    public static void saveSidecar(Path dir, Sidecar sidecar) {
        AtomicFiles.write(dir.resolve(SIDECAR), out -> JSON.writeValue(out, sidecar));
    }

    /** An ensemble folder holds {@code ensemble.json}, naming member model folders inside it. */
    public static final String ENSEMBLE = "ensemble.json";

    /** The content of {@code ensemble.json}: member folders (relative) and the ensemble's figures. */
    public record Ensemble(int format, List<String> members, Metrics metrics) {
        @Override
        public Metrics metrics() {
            return metrics == null ? Metrics.NONE : metrics;
        }
    }

    public static boolean isEnsemble(Path dir) {
        return Files.isRegularFile(dir.resolve(ENSEMBLE));
    }

    /** The model folders behind {@code dir}: its members if it is an ensemble, else itself. */
    public static List<Path> members(Path dir) {
        if (!isEnsemble(dir)) {
            return List.of(dir);
        }
        Path file = dir.resolve(ENSEMBLE);
        Ensemble e = readEnsemble(dir);
        Path base = dir.toAbsolutePath().normalize();
        List<Path> out = new ArrayList<>();
        for (String m : e.members()) {
            Path p = base.resolve(m).normalize();
            if (m.isBlank() || !p.startsWith(base) || p.equals(base)) {
                throw new DigitlabException(file + ": member '" + m + "' is not a folder inside the ensemble");
            }
            out.add(p);
        }
        return out;
    }

    /** The ensemble.json of the ensemble in {@code dir}, checked for its format and members. */
    public static Ensemble readEnsemble(Path dir) {
        Path file = dir.resolve(ENSEMBLE);
        Ensemble e;
        try {
            e = JSON.readValue(file.toFile(), Ensemble.class);
        } catch (IOException ex) {
            throw new DigitlabException(file + ": not a digitlab ensemble (" + ex.getMessage().lines().findFirst().orElse("") + ")");
        }
        if (e.format() != FORMAT || e.members() == null || e.members().isEmpty() || e.members().contains(null)) {
            throw new DigitlabException(file + ": expected format " + FORMAT + " and at least one member");
        }
        return e;
    }

    /** The figures saved with the model or ensemble in {@code dir}: an ensemble's own, not its first member's. */
    public static Metrics metrics(Path dir) {
        return isEnsemble(dir) ? readEnsemble(dir).metrics() : readSidecar(dir).metrics();
    }

    public static void saveEnsemble(Path dir, List<String> members, Metrics metrics) throws IOException {
        AtomicFiles.write(dir.resolve(ENSEMBLE), out -> JSON.writeValue(out, new Ensemble(FORMAT, members, metrics)));
    }

    public static boolean isModel(Path dir) {
        return Files.isRegularFile(dir.resolve(SIDECAR));
    }

    public static Sidecar readSidecar(Path dir) {
        Path file = dir.resolve(SIDECAR);
        if (!Files.isDirectory(dir)) {
            throw new DigitlabException(dir + ": no such model folder");
        }
        if (!Files.isRegularFile(file)) {
            throw new DigitlabException(dir + ": not a model folder (no " + SIDECAR + ")");
        }
        Sidecar s;
        try {
            s = JSON.readValue(file.toFile(), Sidecar.class);
        } catch (IOException e) {
            throw new DigitlabException(file + ": not a digitlab model sidecar ("
                    + e.getMessage().lines().findFirst().orElse("") + ")");
        }
        if (s.format() != FORMAT) {
            throw new DigitlabException(file + ": sidecar format " + s.format() + " (this digitlab " + Version.VERSION
                    + " reads format " + FORMAT + ")");
        }
        if (s.architecture() == null || s.classNames() == null || s.normalization() == null) {
            throw new DigitlabException(file + ": sidecar lacks architecture, normalization or classNames");
        }
        if (!(s.std() > 0) || !Double.isFinite(s.mean())) {
            throw new DigitlabException(file + ": sidecar normalization mean/std " + s.mean() + "/" + s.std() + " is not usable");
        }
        if (Architecture.SCRIPT.equals(s.architecture()) && !Architecture.SCRIPT_SIDES.contains(s.inputSize())) {
            throw new DigitlabException(file + ": inputSize " + s.inputSize() + " is not one a TorchScript model takes "
                    + Architecture.SCRIPT_SIDES);
        }
        Architecture a = s.architectureOf();
        if (a.inputSize() != s.inputSize()) {
            throw new DigitlabException(file + ": input size " + s.inputSize() + " does not fit " + a.name()
                    + " (" + a.inputSize() + ")");
        }
        return s;
    }

    /** Whether the import recorded that the user trusted the TorchScript module's code. */
    public static boolean trustedScript(Sidecar s) {
        return s.source() != null && s.source().path(TRUSTED_SCRIPT).asBoolean(false);
    }

    /**
     * Whether the folder's module is the one the user trusted at import: trust is bound to the imported file's
     * SHA-256, so a model.pt swapped afterwards is checked like any untrusted one.
     */
    private static boolean stillTrusted(Sidecar s, Path dir) {
        if (!trustedScript(s)) {
            return false;
        }
        try {
            return Sha256.of(dir.resolve(SCRIPT)).equals(s.source().path("sha256").asText(""));
        } catch (IOException e) {
            throw new DigitlabException(dir.resolve(SCRIPT) + ": cannot read (" + e.getMessage() + ")");
        }
    }

    /**
     * The folder's sidecar, and for an untrusted TorchScript model the check of its code: everything about a folder
     * that needs no engine, so that callers can refuse a folder before starting libtorch.
     */
    public static Sidecar verify(Path dir) {
        Sidecar s = readSidecar(dir);
        if (s.architectureOf().scripted() && !stillTrusted(s, dir)) {
            TorchScriptCheck.check(dir.resolve(SCRIPT), trustedScript(s)
                    ? "the module is not the one trusted at import (its SHA-256 changed); import it again as trusted only "
                    + "if you trust its source"
                    : "the folder's sidecar does not say it was imported as trusted; import the module again as trusted "
                    + "only if you trust its source");
        }
        return s;
    }

    public static Loaded load(Path dir, NDManager manager) {
        Sidecar s = verify(dir);
        Architecture a = s.architectureOf();
        Net net = a.scripted() ? Net.script(a, manager, dir.resolve(SCRIPT)) : Net.load(a, manager, dir.resolve(WEIGHTS));
        if (s.classNames().size() != Digits.CLASSES) {
            net.close();
            throw new DigitlabException(dir.resolve(SIDECAR) + ": " + s.classNames().size()
                    + " class names for a " + Digits.CLASSES + "-way model");
        }
        return new Loaded(net, s);
    }
}
