package works.cast.relay.server.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LogTextTest {

    @Test
    void plainTextIsKept() {
        assertEquals("bob@cast.works", LogText.escape("bob@cast.works"));
        assertEquals("relais-été.example", LogText.escape("relais-été.example"));
        assertEquals("-", LogText.escape(""));
        assertEquals("-", LogText.escape(null));
    }

    @Test
    void lineEndsEscapesAndFieldSeparatorsCannotPass() {
        String forged = "bob\r\n2026-01-01 INFO smtp auth user=admin result=ok\u001b[2J\u0007\u0085\u2028\u202e\"\\";
        String escaped = LogText.escape(forged);
        assertEquals("bob\\r\\n2026-01-01\\x20INFO\\x20smtp\\x20auth\\x20user=admin\\x20result=ok\\u{001B}[2J"
                + "\\u{0007}\\u{0085}\\u{2028}\\u{202E}\\\"\\\\", escaped);
        assertTrue(escaped.chars().allMatch(c -> c >= 0x21 && c < 0x7f), escaped);
    }

    @Test
    void quotedTextKeepsSpaces() {
        assertEquals("550 5.6.0 Bad From: x\\r\\nINFO\\\"", LogText.quoted("550 5.6.0 Bad From: x\r\nINFO\""));
        assertEquals("", LogText.quoted(""));
    }

    @Test
    void longTextIsCut() {
        String escaped = LogText.escape("x".repeat(10_000));
        assertEquals(LogText.MAX_CHARS + 3, escaped.length());
        assertTrue(escaped.endsWith("..."));
    }
}
