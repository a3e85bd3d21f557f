package dev.digitlab.exchange;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Named tensors in the order the file holds them, and the file's string metadata (a safetensors header's
 * {@code __metadata__}; none for a pickle).
 */
public record StateDict(LinkedHashMap<String, Tensor> tensors, String format, Map<String, String> metadata) {

    /** What digitlab's PyTorch export records of the normalisation its model was trained with ({@code MEAN,STD}). */
    public static final String NORMALIZE = "digitlab.normalize";
    /** ... and of the data set whose classes it predicts. */
    public static final String DATASET = "digitlab.dataset";

    public StateDict(LinkedHashMap<String, Tensor> tensors, String format) {
        this(tensors, format, Map.of());
    }

    public Map<String, Tensor> asMap() {
        return tensors;
    }
}
