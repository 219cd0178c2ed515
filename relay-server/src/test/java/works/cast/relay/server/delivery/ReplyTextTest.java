package works.cast.relay.server.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

class ReplyTextTest {

    @Test
    void printableTextIsKeptAsItIs() {
        String t = "Ok: queued as 4Xk2 (caf\u00e9, \u65e5\u672c, \ud83d\udce8)";
        assertSame(t, ReplyText.clean(t));
    }

    @Test
    void controlAndFormatCharactersBecomeQuestionMarks() {
        assertEquals("a?b?c?d?e?f?g h?i?j", ReplyText.clean("a\rb\nc\u001bd\u0000e\u007ff\u009bg\th\u2028i\u202ej"));
    }

    @Test
    void loneSurrogatesAreReplaced() {
        assertEquals("x?y", ReplyText.clean("x\ud800y"));
    }
}
