package org.ssm4j.datasets.arrow;

import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.types.pojo.Field;
import org.ssm4j.datasets.DatasetFormatException;

/**
 * Checks that a mapped file has the layout a typed reader expects: the fields by name and type
 * (children compared by type only, since writers name list items differently), no nulls
 * anywhere, and the required schema metadata keys.
 */
public final class SchemaCheck {

    private SchemaCheck() {
    }

    /**
     * Checks the schema metadata, then the fields.
     *
     * @param file the opened file
     * @param expectedFields the fields a reader needs, in order
     * @param metadataKeys schema metadata keys that must be present
     * @throws DatasetFormatException naming the first difference
     */
    public static void require(MappedArrowFile file, List<Field> expectedFields, List<String> metadataKeys) {
        requireMetadata(file, metadataKeys);
        requireFields(file, expectedFields);
    }

    /**
     * @param file the opened file
     * @param metadataKeys schema metadata keys that must be present
     * @throws DatasetFormatException naming the first missing key
     */
    public static void requireMetadata(MappedArrowFile file, List<String> metadataKeys) {
        Map<String, String> metadata = file.metadata();
        for (String key : metadataKeys) {
            if (!metadata.containsKey(key)) {
                throw DatasetFormatException.mismatch(file.path(), "schema metadata key \"" + key + "\"",
                        "present", "absent (keys: " + metadata.keySet() + ")");
            }
        }
    }

    /**
     * @param file the opened file
     * @param expectedFields the fields a reader needs, in order
     * @throws DatasetFormatException if the fields differ or hold a null
     */
    public static void requireFields(MappedArrowFile file, List<Field> expectedFields) {
        List<Field> actual = file.schema().getFields();
        if (!sameShape(expectedFields, actual)) {
            throw DatasetFormatException.mismatch(file.path(), "schema", describe(expectedFields), describe(actual));
        }
        for (int b = 0; b < file.batchCount(); b++) {
            for (FieldVector vector : file.batch(b).getFieldVectors()) {
                requireNoNulls(file, b, vector, vector.getName());
            }
        }
    }

    /**
     * Reads an integer from the schema metadata.
     *
     * @param file the opened file
     * @param key a key {@link #require} has checked
     * @param min the smallest allowed value
     * @return the value
     */
    public static int intMetadata(MappedArrowFile file, String key, int min) {
        String text = file.metadata().get(key);
        try {
            int value = Integer.parseInt(text == null ? "" : text.strip());
            if (value >= min) {
                return value;
            }
        } catch (NumberFormatException ignored) {
            // reported below with the expected range
        }
        throw DatasetFormatException.mismatch(file.path(), "schema metadata \"" + key + "\"",
                "an integer of at least " + min, "\"" + text + "\"");
    }

    private static void requireNoNulls(MappedArrowFile file, int batch, FieldVector vector, String path) {
        if (vector.getNullCount() != 0) {
            throw DatasetFormatException.mismatch(file.path(), "null count of field " + path + " in record batch "
                    + batch, 0, vector.getNullCount());
        }
        for (FieldVector child : vector.getChildrenFromFields()) {
            requireNoNulls(file, batch, child, path + "." + child.getName());
        }
    }

    private static boolean sameShape(List<Field> expected, List<Field> actual) {
        if (expected.size() != actual.size()) {
            return false;
        }
        for (int i = 0; i < expected.size(); i++) {
            Field e = expected.get(i);
            Field a = actual.get(i);
            if (!e.getName().equals(a.getName()) || !sameTypes(e, a)) {
                return false;
            }
        }
        return true;
    }

    private static boolean sameTypes(Field expected, Field actual) {
        if (!expected.getType().equals(actual.getType())
                || expected.getChildren().size() != actual.getChildren().size()) {
            return false;
        }
        for (int i = 0; i < expected.getChildren().size(); i++) {
            if (!sameTypes(expected.getChildren().get(i), actual.getChildren().get(i))) {
                return false;
            }
        }
        return true;
    }

    private static String describe(List<Field> fields) {
        return fields.stream().map(Field::toString).toList().toString();
    }
}
