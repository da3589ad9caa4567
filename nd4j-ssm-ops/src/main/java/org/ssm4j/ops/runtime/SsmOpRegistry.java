package org.ssm4j.ops.runtime;

import org.ssm4j.ops.conv.CausalConv1d;
import org.ssm4j.ops.conv.CausalConv1dBp;
import org.ssm4j.ops.embedding.TokenEmbedding;
import org.ssm4j.ops.embedding.TokenEmbeddingBp;
import org.ssm4j.ops.norm.RmsNorm;
import org.ssm4j.ops.norm.RmsNormBp;
import org.ssm4j.ops.scan.SelectiveScan;
import org.ssm4j.ops.scan.SelectiveScanBp;
import org.ssm4j.ops.sequence.SequenceReverse;

import java.util.List;

/**
 * The one list of ssm4j's op classes. {@link SsmRuntime} registers each with SameDiff under
 * its {@code opName()}, so that graphs containing it can be copied, saved and
 * loaded. A new op adds its classes here.
 */
public final class SsmOpRegistry {

    private static final List<Class<? extends JavaCustomOp>> OP_CLASSES = List.of(
            CausalConv1d.class, CausalConv1dBp.class, SelectiveScan.class, SelectiveScanBp.class,
            TokenEmbedding.class, TokenEmbeddingBp.class, SequenceReverse.class, RmsNorm.class, RmsNormBp.class);

    private SsmOpRegistry() {
    }

    /** The op classes, forward and backward ops alike. */
    public static List<Class<? extends JavaCustomOp>> opClasses() {
        return OP_CLASSES;
    }
}
