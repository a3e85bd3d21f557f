import dev.digitlab.data.DataFolder;
import dev.digitlab.data.Dataset;
import dev.digitlab.data.Digits;
import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A "new hand" for bench/new-hand: MNIST test digits redrawn in one writer's style that no model here was trained
 * on. The style, the same for every digit (a person's hand is consistent): strokes slanted by {@code slant} (a shear,
 * x moves by slant pixels per pixel up from the centre), thickened by {@code thicken} passes of a 3x3 grey-level
 * dilation, and written at {@code scale} of their size about the centre. Writes labelled Kaggle-format CSVs:
 * {@code feedback-N.csv} from test images 0..N-1 (the drawings a player gives) and {@code others.csv} from images
 * 5000..9999 (the same hand's other digits, which the model never sees while it learns).
 *
 * <p>Usage: java -cp ... bench/NewHand.java OUT_DIR SLANT THICKEN SCALE N...
 */
public class NewHand {
    public static void main(String[] args) throws IOException {
        Path out = Path.of(args[0]);
        double slant = Double.parseDouble(args[1]);
        int thicken = Integer.parseInt(args[2]);
        double scale = Double.parseDouble(args[3]);
        Digits test = DataFolder.load(Dataset.MNIST, DataFolder.defaultDir(Dataset.MNIST)).test();
        Files.createDirectories(out);
        for (int i = 4; i < args.length; i++) {
            int n = Integer.parseInt(args[i]);
            write(out.resolve("feedback-" + n + ".csv"), test, 0, n, slant, thicken, scale);
        }
        write(out.resolve("others.csv"), test, 5000, 10000, slant, thicken, scale);
    }

    static void write(Path file, Digits d, int from, int to, double slant, int thicken, double scale) throws IOException {
        try (Writer w = Files.newBufferedWriter(file)) {
            w.write("label");
            for (int p = 0; p < Digits.PIXELS; p++) {
                w.write(",pixel" + p);
            }
            w.write('\n');
            for (int i = from; i < to; i++) {
                int[] img = redraw(d.image(i), slant, thicken, scale);
                StringBuilder row = new StringBuilder().append(d.label(i));
                for (int v : img) {
                    row.append(',').append(v);
                }
                w.write(row.append('\n').toString());
            }
        }
    }

    /** One digit in the hand's style, 0-255 per pixel. */
    static int[] redraw(byte[] src, double slant, int thicken, double scale) {
        int side = Digits.SIDE;
        double c = (side - 1) / 2.0;
        double[] img = new double[side * side];
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                // inverse map: where in the source this pixel comes from
                double sy = (y - c) / scale + c;
                double sx = (x - c + slant * (y - c)) / scale + c;
                img[y * side + x] = bilinear(src, side, sx, sy);
            }
        }
        for (int t = 0; t < thicken; t++) {
            double[] next = new double[img.length];
            for (int y = 0; y < side; y++) {
                for (int x = 0; x < side; x++) {
                    double m = 0;
                    for (int dy = -1; dy <= 1; dy++) {
                        for (int dx = -1; dx <= 1; dx++) {
                            int yy = y + dy;
                            int xx = x + dx;
                            if (yy >= 0 && yy < side && xx >= 0 && xx < side) {
                                // the diagonal neighbours count less: a round pen, not a square one
                                double w = dx != 0 && dy != 0 ? 0.6 : 1.0;
                                m = Math.max(m, w * img[yy * side + xx]);
                            }
                        }
                    }
                    next[y * side + x] = m;
                }
            }
            img = next;
        }
        int[] out = new int[img.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (int) Math.round(Math.min(255, Math.max(0, img[i])));
        }
        return out;
    }

    static double bilinear(byte[] p, int side, double sx, double sy) {
        int x0 = (int) Math.floor(sx);
        int y0 = (int) Math.floor(sy);
        double fx = sx - x0;
        double fy = sy - y0;
        return (1 - fx) * (1 - fy) * at(p, side, x0, y0) + fx * (1 - fy) * at(p, side, x0 + 1, y0)
                + (1 - fx) * fy * at(p, side, x0, y0 + 1) + fx * fy * at(p, side, x0 + 1, y0 + 1);
    }

    static double at(byte[] p, int side, int x, int y) {
        return x < 0 || y < 0 || x >= side || y >= side ? 0 : p[y * side + x] & 0xff;
    }
}
