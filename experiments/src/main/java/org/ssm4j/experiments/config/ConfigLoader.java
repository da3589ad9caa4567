package org.ssm4j.experiments.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.InvalidTypeIdException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Reads experiment configs from YAML into {@link ExperimentConfig} records, and writes
 * resolved configs (every default filled in) as YAML or JSON.
 *
 * <p>Every mistake is an {@link IllegalArgumentException} whose message starts with the
 * file and names the key: unknown keys (with the keys that are allowed there), missing
 * required keys, values of the wrong type or out of range, unknown model types or task names,
 * duplicate keys.
 */
public final class ConfigLoader {

    private static final Pattern MISSING_PROPERTY = Pattern.compile("Missing required creator property '([^']+)'");

    private static final ObjectMapper YAML = configure(YAMLMapper.builder(
            YAMLFactory.builder().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                    .disable(YAMLGenerator.Feature.USE_NATIVE_TYPE_ID)
                    .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES).build()).build());
    private static final ObjectMapper JSON = configure(new ObjectMapper());

    private ConfigLoader() {
    }

    private static ObjectMapper configure(ObjectMapper mapper) {
        mapper.setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);
        mapper.enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        mapper.enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
        mapper.enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        mapper.disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);
        mapper.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        mapper.enable(SerializationFeature.INDENT_OUTPUT);
        return mapper;
    }

    /**
     * Reads and checks a config file.
     *
     * @throws IllegalArgumentException if the file is missing or the config is wrong; the
     *                                  message names the file and the key
     */
    public static ExperimentConfig load(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("config file " + file + " does not exist");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read config file " + file, e);
        }
        return parse(text, file.toString());
    }

    /** Resource name of the config {@code ./mamba train} runs when given none. */
    public static final String DEFAULT_EXPERIMENT = "/org/ssm4j/experiments/default-experiment.yaml";

    /** The built-in default experiment (see {@link #DEFAULT_EXPERIMENT}). */
    public static ExperimentConfig defaultExperiment() {
        try (InputStream in = ConfigLoader.class.getResourceAsStream(DEFAULT_EXPERIMENT)) {
            if (in == null) {
                throw new IllegalStateException("resource " + DEFAULT_EXPERIMENT + " is missing from the build");
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "built-in " + DEFAULT_EXPERIMENT);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read resource " + DEFAULT_EXPERIMENT, e);
        }
    }

    /**
     * Parses config text; {@code source} names it in error messages (a file name).
     *
     * @throws IllegalArgumentException if the config is wrong
     */
    public static ExperimentConfig parse(String yaml, String source) {
        if (yaml.isBlank()) {
            throw new IllegalArgumentException(source + ": the config is empty");
        }
        try {
            ExperimentConfig config = YAML.readValue(yaml, ExperimentConfig.class);
            if (config == null) {
                throw new IllegalArgumentException(source + ": the config is empty");
            }
            return config;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(describe(e, source), e);
        }
    }

    /** The resolved config as YAML, which {@link #parse} reads back to an equal record. */
    public static String toYaml(ExperimentConfig config) {
        try {
            return YAML.writeValueAsString(config);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write config as YAML", e);
        }
    }

    /**
     * The JSON mapper with the same naming (snake_case keys) as config files, for the run
     * files that embed configs (run.json, checkpoints).
     */
    public static ObjectMapper json() {
        return JSON;
    }

    /** Reads an experiment config embedded as JSON (see {@link #json()}). */
    public static ExperimentConfig fromJson(String json, String source) {
        try {
            return JSON.readValue(json, ExperimentConfig.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(describe(e, source), e);
        }
    }

    private static String describe(JsonProcessingException e, String source) {
        StreamReadException syntax = syntaxError(e);
        if (syntax != null) {
            // SnakeYAML's message repeats the offending line with a caret: keep its sentences only.
            String problem = syntax.getOriginalMessage().lines().filter(l -> !l.isBlank() && !l.startsWith(" "))
                    .collect(Collectors.joining("; "));
            return source + ": not valid YAML" + location(syntax.getLocation()) + ": " + problem;
        }
        String where = location(e.getLocation());
        if (!(e instanceof JsonMappingException m)) {
            return source + ": " + e.getOriginalMessage() + where;
        }
        String path = path(m);
        String in = path.isEmpty() ? "at the top level" : "in " + path;
        return switch (m) {
            case UnrecognizedPropertyException u -> source + ": unknown key '" + u.getPropertyName() + "' " + in + where
                    + "; allowed keys there: " + new TreeSet<>(u.getKnownPropertyIds().stream().map(String::valueOf).toList());
            case InvalidTypeIdException t -> t.getTypeId() == null
                    ? source + ": " + (path.isEmpty() ? "a section" : path) + " needs a '" + typeKey(t) + "' key" + where
                    : source + ": unknown " + typeKey(t) + " '" + t.getTypeId() + "' " + in + where + "; expected one of "
                            + knownTypes(t);
            case ValueInstantiationException v when v.getCause() instanceof IllegalArgumentException cause ->
                    source + ": " + cause.getMessage() + where;
            case InvalidFormatException f -> source + ": " + path + " must be " + describeType(f.getTargetType())
                    + ", got '" + f.getValue() + "'" + where;
            default -> {
                Matcher missing = MISSING_PROPERTY.matcher(m.getOriginalMessage());
                yield missing.find()
                        ? source + ": missing key '" + missing.group(1) + "' " + in + where
                        : source + ": " + (path.isEmpty() ? "" : path + ": ") + m.getOriginalMessage() + where;
            }
        };
    }

    private static StreamReadException syntaxError(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof StreamReadException s && !(t instanceof JsonMappingException)) {
                return s;
            }
        }
        return null;
    }

    private static String typeKey(InvalidTypeIdException e) {
        return TaskConfig.class.isAssignableFrom(e.getBaseType().getRawClass()) ? "name" : "type";
    }

    private static String knownTypes(InvalidTypeIdException e) {
        return TaskConfig.class.isAssignableFrom(e.getBaseType().getRawClass())
                ? TaskConfig.NAMES
                : "[" + TransformerConfig.TYPE + ", " + SsmConfig.MAMBA + ", " + SsmConfig.LTI + "]";
    }

    private static String describeType(Class<?> type) {
        if (type == int.class || type == Integer.class || type == long.class || type == Long.class) {
            return "an integer";
        }
        if (type == double.class || type == Double.class) {
            return "a number";
        }
        if (type == boolean.class || type == Boolean.class) {
            return "true or false";
        }
        return "a " + type.getSimpleName();
    }

    private static String path(JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                if (!sb.isEmpty()) {
                    sb.append('.');
                }
                sb.append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                sb.append('[').append(ref.getIndex()).append(']');
            }
        }
        // An unknown key's own name ends the path; the message names it separately.
        if (e instanceof UnrecognizedPropertyException u && sb.toString().endsWith(u.getPropertyName())) {
            int cut = sb.length() - u.getPropertyName().length();
            sb.setLength(cut > 0 && sb.charAt(cut - 1) == '.' ? cut - 1 : cut);
        }
        return sb.toString();
    }

    private static String location(JsonLocation location) {
        if (location == null || location.getLineNr() < 1) {
            return "";
        }
        return " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
    }
}
