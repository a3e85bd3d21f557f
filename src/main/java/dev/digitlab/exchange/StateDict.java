package dev.digitlab.exchange;

import java.util.LinkedHashMap;
import java.util.Map;

/** Named tensors in the order the file holds them, as PyTorch's {@code state_dict()} keeps them. */
public record StateDict(LinkedHashMap<String, Tensor> tensors, String format) {

    public Map<String, Tensor> asMap() {
        return tensors;
    }
}
