package dev.digitlab.cli;

import dev.digitlab.BadSetting;
import dev.digitlab.DigitlabException;
import dev.digitlab.data.DataFolder;
import dev.digitlab.model.Models;
import dev.digitlab.eval.ExperimentResults;
import dev.digitlab.report.ExperimentTable;
import dev.digitlab.train.Experiment;
import dev.digitlab.train.ExperimentCluster;
import dev.digitlab.train.TrainConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;

@Command(name = "experiment", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train every variant several times with different seeds and compare them: mean ± std test accuracy, "
                + "mean epoch seconds and parameters, written to OUT/results.md and OUT/results.csv.",
                "Finished runs are kept and skipped, so an experiment that was stopped continues where it was."})
class ExperimentCommand implements Callable<Integer> {
    /**
     * Grid keys: train's options that set a training setting, without the dashes (read from train's own command line,
     * so that a setting added there is a key here), plus two short names. The seed and the data are the experiment's
     * to choose ({@link #OWN}).
     */
    static final Map<String, OptionSpec> KEYS = new LinkedHashMap<>();

    /** train's options: a run's settings are named by train's flags in every message (a refused change of a run). */
    private static final CommandSpec TRAIN = Main.commandLine(new TrainCommand()).getCommandSpec();

    /** Settings the experiment chooses for every variant: seeds run by run, one data set for all. */
    private static final Set<String> OWN = Set.of("seed", "dataset", "dataFile");

    static {
        for (OptionSpec o : TRAIN.options()) {
            String setting = TrainingOptions.setting(Flags.field(o));
            if (!o.hidden() && TrainConfig.SETTINGS.contains(setting) && !OWN.contains(setting)) {
                KEYS.put(o.longestName().substring(2), o);
            }
        }
        KEYS.put("batch", KEYS.get("batch-size"));
        KEYS.put("schedule", KEYS.get("lr-schedule"));
    }

    @Option(names = "--grid", paramLabel = "SPEC", description = "variants as every combination of key=value,value lists, "
            + "e.g. \"model=lenet5,deep-cnn lr=1e-3,5e-4 batch=32,64\"; keys are train's options without dashes")
    String grid;

    @Option(names = "--config", paramLabel = "FILE", description = "variants from a file, one per line: 'name: train options' (# comments)")
    Path config;

    @Option(names = "--runs", defaultValue = "3", description = "runs per variant, with seeds --seed, --seed + 1, ... (default: ${DEFAULT-VALUE})")
    int runs;

    @Option(names = "--base", paramLabel = "OPTIONS", defaultValue = "",
            description = "train options every variant starts from, e.g. \"--epochs 3 --val-split 0\"; a variant's own options win")
    String base;

    @Option(names = "--seed", defaultValue = "1", description = "seed of each variant's first run (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--out", paramLabel = "DIR", description = "results and runs (default: runs/experiments/<config name> or runs/experiments/grid)")
    Path out;

    @Option(names = "--progress", negatable = true, description = "a progress bar across runs (default: on when the console is a terminal)")
    Boolean progress;

    @Option(names = "--master", paramLabel = "URL", description = "run each variant x seed as a task on this Spark cluster "
            + "(spark://host:7077, or local[N]); needs the Spark module, which ./digitlab builds on first use")
    String master;

    @Option(names = "--conf", paramLabel = "KEY=VALUE", description = "with --master: a Spark setting (repeatable)")
    Map<String, String> conf = new LinkedHashMap<>();

    @Option(names = "--cores-per-run", description = "with --master: cores each training takes (its threads) (default: ${DEFAULT-VALUE})")
    int coresPerRun = 1;

    @Mixin
    DataOptions data;

    @Override
    public Integer call() throws IOException {
        Map<String, List<String>> named = named();
        if (runs < 1) {
            throw new DigitlabException("--runs must be at least 1, got " + runs);
        }
        List<Experiment.Variant> variants = new ArrayList<>();
        Map<String, String> options = new LinkedHashMap<>();
        for (var e : named.entrySet()) {
            variants.add(new Experiment.Variant(e.getKey(), variant(e.getKey(), e.getValue())));
            options.put(e.getKey(), String.join(" ", e.getValue()));
        }
        Path dir = out != null ? out : Path.of("runs", "experiments",
                config != null ? config.getFileName().toString().replaceFirst("\\.[^.]*$", "") : "grid");
        Main.info(variants.size() + " variants x " + runs + " runs into " + dir + (master != null ? " on " + master : ""));
        List<Experiment.Run> done;
        if (master != null) {
            ExperimentCluster cluster = ServiceLoader.load(ExperimentCluster.class).findFirst().orElseThrow(() ->
                    new DigitlabException("--master needs the Spark module (spark/), which is not on the class path; "
                            + "run experiments through ./digitlab, which builds it"));
            BadSetting.check(coresPerRun >= 1, "coresPerRun", "must be at least 1, got " + coresPerRun);
            done = cluster.run(master, conf, variants, runs, dir.toAbsolutePath(), new ExperimentCluster.Data(data.dataset().id(),
                    data.dataDir == null ? null : data.dataDir.toAbsolutePath()), coresPerRun, Main::info);
        } else {
            DataFolder.TrainTest tt = data.load();
            try {
                done = Experiment.run(variants, runs, tt.train(), tt.test(), dir, progress != null ? progress : System.console() != null);
            } catch (DigitlabException e) {
                throw new DigitlabException(Flags.message(e, TRAIN), e);
            }
        }
        List<ExperimentResults.Row> rows = ExperimentResults.of(done, options);
        Files.createDirectories(dir);
        ExperimentTable.write(dir, rows);
        System.out.print(ExperimentTable.markdown(rows));
        System.out.println("wrote " + dir.resolve("results.md") + " and " + dir.resolve("results.csv")
                + " (" + done.stream().filter(Experiment.Run::reused).count() + " runs reused)");
        return 0;
    }

    /** Each variant's name and its own train options, from --grid or --config. */
    Map<String, List<String>> named() throws IOException {
        if ((grid == null) == (config == null)) {
            throw new DigitlabException("give either --grid or --config");
        }
        return grid != null ? grid(grid) : configFile(config);
    }

    /** Every combination of the grid's lists, named like "model=lenet5 lr=1e-3". */
    static Map<String, List<String>> grid(String spec) {
        List<List<String[]>> axes = new ArrayList<>();
        for (String term : spec.trim().split("\\s+")) {
            int eq = term.indexOf('=');
            String key = eq < 0 ? term : term.substring(0, eq);
            if (!KEYS.containsKey(key)) {
                throw new DigitlabException("--grid: unknown key '" + key + "' (expected one of " + String.join(", ", KEYS.keySet()) + ")");
            }
            String[] values = eq < 0 ? new String[0] : term.substring(eq + 1).split(",", -1);
            if (values.length == 0 || Arrays.stream(values).anyMatch(String::isBlank)) {
                throw new DigitlabException("--grid: '" + term + "' needs key=value[,value...]");
            }
            List<String[]> axis = new ArrayList<>();
            for (String v : values) {
                axis.add(new String[] {key, v});
            }
            axes.add(axis);
        }
        Map<String, List<String>> variants = new LinkedHashMap<>();
        combine(axes, 0, new ArrayList<>(), variants);
        return variants;
    }

    private static void combine(List<List<String[]>> axes, int i, List<String[]> chosen, Map<String, List<String>> out) {
        if (i == axes.size()) {
            List<String> args = new ArrayList<>();
            List<String> name = new ArrayList<>();
            for (String[] kv : chosen) {
                name.add(kv[0] + "=" + kv[1]);
                args.addAll(asOption(kv[0], kv[1]));
            }
            out.put(String.join(" ", name), args);
            return;
        }
        for (String[] kv : axes.get(i)) {
            chosen.add(kv);
            combine(axes, i + 1, chosen, out);
            chosen.remove(chosen.size() - 1);
        }
    }

    private static List<String> asOption(String key, String value) {
        OptionSpec o = KEYS.get(key);
        if (!o.typeInfo().isBoolean()) {
            return List.of(o.longestName(), value);
        }
        return switch (value) { // a flag: on, or off (--no-augment turns a recipe's warp off)
            case "true", "on", "yes" -> List.of(o.longestName());
            case "false", "off", "no" -> o.negatable() ? List.of("--no-" + key) : List.of();
            default -> throw new DigitlabException("--grid: " + key + "=" + value + ": expected true or false");
        };
    }

    /** "name: options" lines; blank lines and # comments are skipped. */
    static Map<String, List<String>> configFile(Path file) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (NoSuchFileException e) {
            throw new DigitlabException(file + ": no such file");
        }
        Map<String, List<String>> variants = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).replaceFirst("#.*", "").trim();
            if (line.isEmpty()) {
                continue;
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new DigitlabException(file + ": line " + (i + 1) + ": expected 'name: train options'");
            }
            String name = line.substring(0, colon).trim();
            if (variants.containsKey(name)) {
                throw new DigitlabException(file + ": line " + (i + 1) + ": variant '" + name + "' appears twice");
            }
            String rest = line.substring(colon + 1).trim();
            variants.put(name, rest.isEmpty() ? List.of() : List.of(rest.split("\\s+")));
        }
        if (variants.isEmpty()) {
            throw new DigitlabException(file + ": no variants");
        }
        return variants;
    }

    /** The variant's options on top of --base, parsed and checked exactly as train would. */
    TrainConfig variant(String name, List<String> args) {
        List<String> all = new ArrayList<>();
        if (!base.isBlank()) {
            all.addAll(List.of(base.trim().split("\\s+")));
        }
        all.addAll(args);
        for (String own : List.of("--seed", "--dataset")) {
            if (TrainingOptions.lastIndex(all, own) >= 0) {
                throw new DigitlabException("variant '" + name + "': " + own + " is the experiment's to choose (experiment " + own + ")");
            }
        }
        all.addAll(List.of("--seed", Long.toString(seed)));
        if (data.dataset != null) {
            all.addAll(List.of("--dataset", data.dataset));
        }
        TrainCommand train = new TrainCommand();
        CommandLine cli = Main.commandLine(train).setOverwrittenOptionsAllowed(true); // a variant's options win over --base
        try {
            cli.parseArgs(all.toArray(String[]::new));
            if (train.out != null || train.resume != null || train.settings.dataFile != null || train.report) {
                throw new DigitlabException("--out, --resume, --data and --report are the experiment's to choose");
            }
            TrainConfig c = train.config().validate();
            Models.create(c.model());
            return c;
        } catch (CommandLine.ParameterException e) {
            throw new DigitlabException("variant '" + name + "': " + e.getMessage());
        } catch (DigitlabException e) {
            throw new DigitlabException("variant '" + name + "': " + Flags.message(e, cli.getCommandSpec()));
        }
    }
}
