package org.ssm4j.experiments.config;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * The {@code model:} section of an experiment config: which sequence model to build and its
 * size. {@code type} selects the record: {@code transformer} ({@link TransformerConfig}),
 * {@code mamba} or {@code lti} ({@link SsmConfig}).
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.EXISTING_PROPERTY, property = "type", visible = true)
@JsonSubTypes({
        @JsonSubTypes.Type(value = TransformerConfig.class, name = TransformerConfig.TYPE),
        @JsonSubTypes.Type(value = SsmConfig.class, names = {SsmConfig.MAMBA, SsmConfig.LTI}),
})
public sealed interface ModelConfig permits TransformerConfig, SsmConfig {

    /** The model family: {@code transformer}, {@code mamba} or {@code lti}. */
    String type();

    /** The model's name in reports and run directories (defaults to the type). */
    String name();

    /** Width of the residual stream. */
    int dModel();

    /** Number of blocks. */
    int nLayers();

    /** Whether the output head shares the embedding matrix. */
    boolean tiedHead();

    /** Checks that a name can serve as a directory name and a table label. */
    static String checkName(String name) {
        if (!name.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("model name must be letters, digits, '.', '_' or '-', got '" + name + "'");
        }
        return name;
    }
}
