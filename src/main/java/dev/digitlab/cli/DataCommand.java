package dev.digitlab.cli;

import dev.digitlab.DigitlabException;
import dev.digitlab.data.Augmentation;
import dev.digitlab.data.DataFolder;
import dev.digitlab.data.Digits;
import dev.digitlab.data.Split;
import dev.digitlab.report.DigitGrid;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "data", mixinStandardHelpOptions = true, description = "Look at a data set.",
        subcommands = {DataCommand.Info.class, DataCommand.Show.class})
class DataCommand {

    @Command(name = "info", mixinStandardHelpOptions = true,
            description = "Per-class counts and percentages for train and test, pixel mean/std, image size, source.")
    static class Info implements Callable<Integer> {
        @Mixin
        DataOptions data;

        @Override
        public Integer call() {
            DataFolder.TrainTest tt = data.load();
            System.out.print(describe(tt));
            return 0;
        }

        static String describe(DataFolder.TrainTest tt) {
            Digits train = tt.train();
            Digits test = tt.test();
            double[] ms = train.meanStd();
            StringBuilder sb = new StringBuilder();
            sb.append(String.format("source:      %s%n", train.source()));
            sb.append(String.format("images:      %d train, %d test, %dx%d grey%n", train.size(), test.size(), train.rows(), train.cols()));
            sb.append(String.format("pixel mean:  %.4f  std: %.4f  (training set, pixels scaled to [0, 1])%n", ms[0], ms[1]));
            sb.append(String.format("%n%-13s %7s %7s   %7s %7s%n", "class", "train", "%", "test", "%"));
            int[] a = train.classCounts();
            int[] b = test.classCounts();
            for (int c = 0; c < a.length; c++) {
                String name = train.classNames().get(c);
                String label = name.equals(String.valueOf(c)) ? name : c + " " + name;
                sb.append(String.format("%-13s %7d %6.2f%%   %7d %6.2f%%%n", label, a[c], 100.0 * a[c] / train.size(),
                        b[c], 100.0 * b[c] / test.size()));
            }
            sb.append(String.format("%-13s %7d %6.2f%%   %7d %6.2f%%%n", "total", train.size(), 100.0, test.size(), 100.0));
            int min = Arrays.stream(a).min().orElse(0);
            int max = Arrays.stream(a).max().orElse(0);
            sb.append(String.format("balance:     largest training class is %.2fx the smallest%n", max / (double) Math.max(min, 1)));
            return sb.toString();
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Write a labelled grid of sample images as PNG.")
    static class Show implements Callable<Integer> {
        @Mixin
        DataOptions data;

        @Option(names = "--count", defaultValue = "64", description = "how many images (default: ${DEFAULT-VALUE})")
        int count;

        @Option(names = "--split", defaultValue = "train", description = "train or test (default: ${DEFAULT-VALUE})")
        String split;

        @Option(names = "--seed", defaultValue = "0", description = "which random sample (default: ${DEFAULT-VALUE})")
        long seed;

        @Option(names = "--out", defaultValue = "grid.png", description = "PNG file to write (default: ${DEFAULT-VALUE})")
        Path out;

        @Option(names = "--augment", description = "show the images as train --augment warps them (its default rotation, "
                + "zoom and shift), drawn with --seed")
        boolean augment;

        @Option(names = "--flip", description = "with --augment: mirror half of them too, as train --flip does")
        boolean flip;

        @Override
        public Integer call() throws IOException {
            if (count < 1) {
                throw new DigitlabException("--count must be at least 1, got " + count);
            }
            if (flip && !augment) {
                throw new DigitlabException("--flip mirrors images as part of --augment; give both");
            }
            DataFolder.TrainTest tt = data.load();
            Digits d = switch (split) {
                case "train" -> tt.train();
                case "test" -> tt.test();
                default -> throw new DigitlabException("--split must be train or test, got '" + split + "'");
            };
            int[] idx = new int[d.size()];
            Arrays.setAll(idx, i -> i);
            Split.shuffle(idx, new Random(seed));
            int[] pick = Arrays.copyOf(idx, Math.min(count, d.size()));
            if (augment) {
                d = new Augmentation(Augmentation.DEFAULT.rotate(), Augmentation.DEFAULT.zoom(), Augmentation.DEFAULT.shift(),
                        flip).warped(d, pick, new Random(seed));
                Arrays.setAll(pick, i -> i);
            }
            Digits shown = d;
            int columns = (int) Math.ceil(Math.sqrt(pick.length));
            DigitGrid.writePng(DigitGrid.draw(shown, pick, columns,
                    k -> shown.classNames().get(shown.label(pick[k])), k -> Color.BLACK), out);
            System.out.println("wrote " + pick.length + " " + (augment ? "augmented " : "") + split + " images to " + out);
            return 0;
        }
    }
}
