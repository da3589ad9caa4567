package org.ssm4j.kernels;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OnOffPropertyTest {

    private static final String NAME = "ssm4j.test.onOffProperty";

    @Test
    void trueAndFalseInAnyCaseWithBlanks() {
        assertTrue(OnOffProperty.parse(NAME, "true"));
        assertTrue(OnOffProperty.parse(NAME, " TRUE "));
        assertFalse(OnOffProperty.parse(NAME, "False"));
    }

    @Test
    void anythingElseIsRefusedNamingThePropertyAndTheValue() {
        for (String value : new String[] {"yes", "1", "", "flase"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> OnOffProperty.parse(NAME, value));
            assertEquals(NAME + " must be true or false, got '" + value + "'", e.getMessage());
        }
    }

    @Test
    void anUnsetPropertyTakesTheDefault() {
        System.clearProperty(NAME);
        assertTrue(OnOffProperty.read(NAME, true));
        assertFalse(OnOffProperty.read(NAME, false));
        System.setProperty(NAME, "false");
        try {
            assertFalse(OnOffProperty.read(NAME, true));
            System.setProperty(NAME, "on");
            assertThrows(IllegalArgumentException.class, () -> OnOffProperty.read(NAME, true));
        } finally {
            System.clearProperty(NAME);
        }
    }
}
