package dev.digitlab.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.digitlab.AtomicFiles;
import dev.digitlab.DigitlabException;
import dev.digitlab.eval.Guard;
import dev.digitlab.eval.Learning;
import dev.digitlab.model.Metrics;
import dev.digitlab.model.ModelFolder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The versions of a model that learns while it is served: {@code v1} (a copy of the model the server started with),
 * then one folder per learn, {@code v2}, {@code v3}, ..., each either promoted by the guard or kept as a candidate, and
 * {@code versions.json} saying which is live and how many feedback rows have been learnt from. Everything is in one
 * folder and written atomically, so the versions and the live choice survive a restart, and a learn killed halfway
 * leaves only a hidden work folder that the next learn clears.
 */
public final class ModelVersions {
    static final String FILE = "versions.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** One version: its folder's name and whether the guard promoted it (v1 counts as promoted). */
    record Version(String name, boolean promoted) {}

    /**
     * What versions.json holds: the model v1 was copied from, the live version, the feedback rows the last learn
     * started from, and every version.
     */
    record State(int format, String start, String live, long rowsLearnt, List<Version> versions) {}

    private final Path dir;
    private State state;
    private final Map<String, Map<String, Object>> described = new HashMap<>();

    private ModelVersions(Path dir, State state) {
        this.dir = dir;
        this.state = state;
    }

    /**
     * The versions in {@code dir}; a folder without versions.json is started with a copy of {@code start} as v1. A
     * versions.json that does not parse, or names folders that are not models, is refused naming the file.
     */
    public static ModelVersions open(Path dir, Path start) {
        Path file = dir.resolve(FILE);
        String origin = start.toAbsolutePath().normalize().toString();
        try {
            if (!Files.exists(file)) {
                ModelFolder.members(start).forEach(ModelFolder::verify);
                Files.createDirectories(dir);
                copyModel(start, dir.resolve("v1"));
                ModelVersions v = new ModelVersions(dir, null);
                v.save(new State(1, origin, "v1", 0, List.of(new Version("v1", true))));
                return v;
            }
            State s = JSON.readValue(file.toFile(), State.class);
            if (s == null || s.format() != 1 || s.versions() == null || s.versions().isEmpty() || s.live() == null
                    || s.start() == null || s.rowsLearnt() < 0 || s.versions().contains(null)) {
                throw new DigitlabException(file + ": not a digitlab versions file (format 1, start, live, rowsLearnt, versions)");
            }
            if (!s.start().equals(origin)) {
                throw new DigitlabException(dir + " holds the versions of " + s.start() + ", not of " + origin
                        + "; give --versions another folder");
            }
            ModelVersions v = new ModelVersions(dir, s);
            for (Version version : s.versions()) {
                if (version.name() == null || !version.name().matches("v[1-9]\\d{0,5}")) {
                    throw new DigitlabException(file + ": '" + version.name() + "' is not a version name (v1, v2, ...)");
                }
                ModelFolder.members(v.path(version.name())).forEach(ModelFolder::verify);
            }
            if (!v.find(s.live()).promoted()) {
                throw new DigitlabException(file + ": the live version " + s.live() + " is a candidate the guard refused");
            }
            return v;
        } catch (BadRequest e) {
            throw new DigitlabException(file + ": " + e.getMessage());
        } catch (IOException e) {
            throw new DigitlabException(file + ": cannot read or write (" + e.getMessage().lines().findFirst().orElse("") + ")");
        }
    }

    public Path dir() {
        return dir;
    }

    public synchronized String live() {
        return state.live();
    }

    public synchronized Path livePath() {
        return path(state.live());
    }

    Path path(String version) {
        return dir.resolve(version);
    }

    synchronized long rowsLearnt() {
        return state.rowsLearnt();
    }

    synchronized List<Version> versions() {
        return state.versions();
    }

    /**
     * The name the next learn writes to: after the highest version, skipping a folder a server killed between a
     * learn's end and its record left unrecorded.
     */
    synchronized String next() {
        int n = state.versions().stream().mapToInt(v -> Integer.parseInt(v.name().substring(1))).max().orElse(0) + 1;
        while (Files.exists(path("v" + n))) {
            n++;
        }
        return "v" + n;
    }

    /** Refuses (400) a version that does not exist or that the guard did not promote. */
    synchronized void checkPromoted(String name) {
        if (!find(name).promoted()) {
            throw new BadRequest("'version': " + name + " is a candidate the guard refused; only promoted versions can be live");
        }
    }

    /** Records a learn's result, from {@code rows} feedback rows, and makes it live if {@code live}. */
    synchronized void add(String name, boolean promoted, long rows, boolean live) {
        List<Version> all = new ArrayList<>(state.versions());
        all.add(new Version(name, promoted));
        save(new State(1, state.start(), live ? name : state.live(), rows, List.copyOf(all)));
    }

    /** Makes {@code name} live; only a promoted version may be. */
    synchronized void setLive(String name) {
        checkPromoted(name);
        save(new State(1, state.start(), name, state.rowsLearnt(), state.versions()));
    }

    private Version find(String name) {
        for (Version v : state.versions()) {
            if (v.name().equals(name)) {
                return v;
            }
        }
        throw new BadRequest("'version': no version '" + SameOrigin.printable(String.valueOf(name)) + "' (there are "
                + state.versions().stream().map(Version::name).toList() + ")");
    }

    /** Each version with its figures, as /api/models lists them. */
    synchronized List<Map<String, Object>> describe() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Version v : state.versions()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", v.name());
            m.put("live", v.name().equals(state.live()));
            m.put("promoted", v.promoted());
            m.putAll(described.computeIfAbsent(v.name(), this::figures));
            out.add(m);
        }
        return out;
    }

    /**
     * A version's figures and summary, read from its folder once: a version's folder never changes after its learn,
     * and the page asks for the list after every drawing it sends.
     */
    private Map<String, Object> figures(String version) {
        Map<String, Object> m = new LinkedHashMap<>();
        try {
            Metrics metrics = ModelFolder.metrics(path(version));
            m.put("testAccuracy", metrics.isTested() ? metrics.testAccuracy() : null);
            JsonNode learned = learned(path(version));
            if (learned != null) {
                m.put("learnedFrom", learned.at("/feedback/learnedFrom").asInt());
                m.put("summary", summary(version, learned));
                m.put("guard", learned.path("guard"));
            } else {
                m.put("summary", version + ": the model as it was trained");
            }
        } catch (DigitlabException | IllegalArgumentException e) { // a folder changed by hand since: say so, list the rest
            m.put("summary", version + ": cannot be read (" + e.getMessage() + ")");
        }
        return m;
    }

    /** "v3: learned from 120 drawings; your 7s 62 % -> 95 %, MNIST test 99.12 % -> 99.10 %". */
    private static String summary(String name, JsonNode learned) {
        Learning.Figures before = JSON.convertValue(learned.path("before"), Learning.Figures.class);
        Learning.Figures after = JSON.convertValue(learned.path("after"), Learning.Figures.class);
        String improved = Learning.mostImproved(before, after);
        return String.format(Locale.ROOT, "%s: learned from %d drawings; %sMNIST test %s -> %s", name, learned.at("/feedback/learnedFrom").asInt(),
                improved == null ? "" : "your " + improved + ", ", Guard.pct(before.testAccuracy()), Guard.pct(after.testAccuracy()));
    }

    private static JsonNode learned(Path model) {
        if (ModelFolder.isEnsemble(model)) {
            return ModelFolder.metrics(model).learned();
        }
        JsonNode source = ModelFolder.readSidecar(model).source();
        return source == null || source.path("learned").isMissingNode() ? null : source.path("learned");
    }

    /** Writes {@code next} and only then takes it as the state: a failed write changes nothing. */
    private void save(State next) {
        AtomicFiles.write(dir.resolve(FILE), out -> JSON.writeValue(out, next));
        state = next;
    }

    /** Copies a model's files (a model folder, or an ensemble and its members) into {@code to}, built aside first. */
    private static void copyModel(Path from, Path to) throws IOException {
        Path work = to.resolveSibling("." + to.getFileName() + ".copying");
        AtomicFiles.deleteTree(work);
        Files.createDirectories(work);
        Path base = from.toAbsolutePath().normalize();
        if (ModelFolder.isEnsemble(from)) {
            Files.copy(from.resolve(ModelFolder.ENSEMBLE), work.resolve(ModelFolder.ENSEMBLE));
        }
        for (Path member : ModelFolder.members(from)) {
            Path target = work.resolve(base.relativize(member.toAbsolutePath().normalize()).toString());
            Files.createDirectories(target);
            for (String f : List.of(ModelFolder.SIDECAR, ModelFolder.WEIGHTS, ModelFolder.SCRIPT)) {
                if (Files.exists(member.resolve(f))) {
                    Files.copy(member.resolve(f), target.resolve(f));
                }
            }
        }
        AtomicFiles.deleteTree(to); // a copy a killed start made before it could write versions.json
        Files.move(work, to);
    }
}
