package dev.digitlab.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * DJL's Conv2d (same parameters, same saved form), computed as one matrix product when the kernel covers the whole
 * input, as LeNet-5's C5 does (16@5x5 in, 120@1x1 out): the convolution is then a fully connected layer, and a
 * matrix product is much cheaper than oneDNN's convolution for it, above all in the backward pass (oneDNN 3.7's
 * brgemm backward-data kernel takes 100-110 us a batch of 32 for C5 here, against 37 us in PyTorch 1.13's oneDNN;
 * docs/PERFORMANCE.md). Any other input takes the convolution as it is.
 */
final class Conv extends Conv2d {

    Conv(Conv2d.Builder builder) {
        super(builder);
    }

    static Conv of(int filters, int kernel, int stride, int pad) {
        return new Conv(Conv2d.builder().setFilters(filters).setKernelShape(new Shape(kernel, kernel))
                .optStride(new Shape(stride, stride)).optPadding(new Shape(pad, pad)));
    }

    @Override
    protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        if (!coversInput(x.getShape())) {
            return super.forwardInternal(store, inputs, training, params);
        }
        NDArray w = store.getValue(weight, x.getDevice(), training);
        NDArray b = includeBias ? store.getValue(bias, x.getDevice(), training) : null;
        long n = x.getShape().get(0);
        NDArray rows = w.reshape(filters, -1);
        rows.attach(x.getManager()); // a view made per pass: it must go with the pass, not live as long as the weight
        // reshape reads the input in its logical (channel, row, column) order, the order of the weight's rows
        NDArray out = Linear.linear(x.reshape(n, -1), rows, b).singletonOrThrow();
        return new NDList(out.reshape(n, filters, 1, 1));
    }

    /** The kernel sits on the input in exactly one place, so each output is one dot product over all of it. */
    private boolean coversInput(Shape s) {
        return s.dimension() == 4 && groups == 1
                && s.get(2) == kernelShape.get(0) && s.get(3) == kernelShape.get(1)
                && padding.get(0) == 0 && padding.get(1) == 0 && dilation.get(0) == 1 && dilation.get(1) == 1;
    }
}
