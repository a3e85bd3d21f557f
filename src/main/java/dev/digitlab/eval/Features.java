package dev.digitlab.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.digitlab.data.TensorSet;
import dev.digitlab.model.Net;
import java.util.List;

/** What a network makes of images inside: its penultimate layer, the features its last layer separates. */
public final class Features {
    private Features() {}

    public static double[][] penultimate(Net net, TensorSet set, int batch) {
        int n = set.size();
        double[][] out = new double[n][];
        for (int from = 0; from < n; from += batch) {
            int to = Math.min(n, from + batch);
            try (NDManager step = net.manager().newSubManager()) {
                List<NDArray> layers = net.forwardLayers(set.images(step, from, to));
                NDArray f = layers.get(layers.size() - 2);
                int width = (int) (f.size() / (to - from));
                float[] values = f.toFloatArray();
                for (int i = from; i < to; i++) {
                    out[i] = new double[width];
                    for (int c = 0; c < width; c++) {
                        out[i][c] = values[(i - from) * width + c];
                    }
                }
            }
        }
        return out;
    }
}
