package dev.digitlab.eval;

import dev.digitlab.data.Digits;
import dev.digitlab.model.Inference;
import java.util.ArrayList;
import java.util.List;

/** Test figures of a model: loss, accuracy, per-class precision/recall/F1, confusion matrix, wrong predictions. */
public record Evaluation(int images, double loss, double accuracy, List<String> classNames, int[][] confusion,
                         double[] precision, double[] recall, double[] f1, int[] support, int[] wrong) {

    /** Rows of {@code confusion} are true classes, columns predicted ones. */
    public static Evaluation of(Inference.Outputs out, Digits labelled) {
        int k = labelled.numClasses();
        int[][] confusion = new int[k][k];
        List<Integer> wrong = new ArrayList<>();
        for (int i = 0; i < out.n(); i++) {
            int p = out.predicted(i);
            confusion[labelled.label(i)][p]++;
            if (p != labelled.label(i)) {
                wrong.add(i);
            }
        }
        double[] precision = new double[k];
        double[] recall = new double[k];
        double[] f1 = new double[k];
        int[] support = new int[k];
        for (int c = 0; c < k; c++) {
            int tp = confusion[c][c];
            int predicted = 0;
            for (int r = 0; r < k; r++) {
                predicted += confusion[r][c];
                support[c] += confusion[c][r];
            }
            precision[c] = predicted == 0 ? 0 : tp / (double) predicted;
            recall[c] = support[c] == 0 ? 0 : tp / (double) support[c];
            f1[c] = precision[c] + recall[c] == 0 ? 0 : 2 * precision[c] * recall[c] / (precision[c] + recall[c]);
        }
        return new Evaluation(out.n(), out.loss(labelled.labels()), out.accuracy(labelled.labels()),
                labelled.classNames(), confusion, precision, recall, f1, support,
                wrong.stream().mapToInt(Integer::intValue).toArray());
    }

    /** The report as a person reads it. */
    public String text() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("test loss %.4f  test accuracy %.2f%%  (%d of %d right)%n%n", loss, 100 * accuracy,
                images - wrong.length, images));
        sb.append(String.format("%-14s %9s %9s %9s %8s%n", "class", "precision", "recall", "f1", "support"));
        for (int c = 0; c < classNames.size(); c++) {
            sb.append(String.format("%-14s %9.4f %9.4f %9.4f %8d%n", label(c), precision[c], recall[c], f1[c], support[c]));
        }
        sb.append(String.format("%nconfusion matrix (rows: true class, columns: predicted)%n%6s", ""));
        for (int c = 0; c < classNames.size(); c++) {
            sb.append(String.format("%6d", c));
        }
        sb.append('\n');
        for (int r = 0; r < classNames.size(); r++) {
            sb.append(String.format("%6d", r));
            for (int c = 0; c < classNames.size(); c++) {
                sb.append(String.format("%6d", confusion[r][c]));
            }
            sb.append('\n');
        }
        sb.append(String.format("%nwrong predictions (%d), test-set indices:%n", wrong.length));
        for (int i = 0; i < wrong.length; i++) {
            sb.append(wrong[i]).append(i % 16 == 15 || i == wrong.length - 1 ? "\n" : " ");
        }
        return sb.toString();
    }

    private String label(int c) {
        String n = classNames.get(c);
        return n.equals(String.valueOf(c)) ? n : c + " " + n;
    }
}
