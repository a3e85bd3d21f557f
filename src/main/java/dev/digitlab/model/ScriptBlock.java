package dev.digitlab.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * A TorchScript module as a layer, always in eval mode (digitlab never trains one). DJL's own block runs an eval-mode
 * module with autograd switched off; this one keeps autograd on while a gradient is being recorded, so input
 * gradients (saliency and the like) flow through it.
 */
final class ScriptBlock extends AbstractBlock {
    private final PtSymbolBlock module;

    ScriptBlock(PtSymbolBlock module) {
        this.module = module;
        JniUtils.enableInferenceMode(module);
    }

    @Override
    protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
        NDList plain = new NDList(inputs.size());
        for (var x : inputs) {
            plain.add(contiguous(x));
        }
        return IValueUtils.forward(module, plain, JniUtils.isGradMode());
    }

    /**
     * The input as PyTorch would hand it to the module: contiguous, in the standard (NCHW) strides. Batches arrive
     * channels-last for oneDNN, and every later layer follows its input's layout, so a module that ends in
     * {@code x.view(-1, 32 * 7 * 7)}, as the write-ups' do, would fail on them. A reshape to one dimension copies only
     * what is not contiguous already; the reshape back is a view.
     */
    private static NDArray contiguous(NDArray x) {
        return x.reshape(-1).reshape(x.getShape());
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return module.getOutputShapes(inputShapes);
    }

    @Override
    public void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        // the module arrives with its weights
    }
}
