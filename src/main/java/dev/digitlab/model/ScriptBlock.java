package dev.digitlab.model;

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
        return IValueUtils.forward(module, inputs, JniUtils.isGradMode());
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
