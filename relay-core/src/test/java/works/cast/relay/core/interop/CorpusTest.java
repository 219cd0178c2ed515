package works.cast.relay.core.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class CorpusTest {

    static List<NamedMessage> fixed() {
        return Corpus.all();
    }

    static List<NamedMessage> randomSample() {
        return Corpus.random(20251104L, 300);
    }

    @Test
    void hasAtLeastThirtySixUniquelyNamedMessages() {
        List<NamedMessage> all = Corpus.all();
        assertTrue(all.size() >= 36, "corpus size " + all.size());
        Set<String> names = new HashSet<>();
        all.forEach(message -> assertTrue(names.add(message.name()), "duplicate " + message.name()));
    }

    @Test
    void isDeterministic() {
        assertEquals(Corpus.all(), List.copyOf(Corpus.all()));
        assertEquals(Corpus.random(7, 20), Corpus.random(7, 20));
        assertNotEquals(Corpus.random(7, 20), Corpus.random(8, 20));
    }

    @ParameterizedTest
    @MethodSource("fixed")
    void fixedMessagesHaveCrlfLineStructureAndOneFromOnOurDomains(NamedMessage message) {
        boolean unterminated = message.name().equals(Corpus.BODY_WITHOUT_FINAL_CRLF);
        assertEquals("", Corpus.lineStructureProblem(message.bytes(), unterminated).orElse(""), message.name());
        assertOneFromOnOurDomains(message);
    }

    @ParameterizedTest
    @MethodSource("randomSample")
    void randomMessagesHaveCrlfLineStructureAndOneFromOnOurDomains(NamedMessage message) {
        assertEquals("", Corpus.lineStructureProblem(message.bytes(), false).orElse(""), message.name());
        assertOneFromOnOurDomains(message);
    }

    @Test
    void onlyTheNamedMessageLacksFinalCrlf() {
        for (NamedMessage message : Corpus.smtpSafe()) {
            byte[] bytes = message.bytes();
            assertTrue(bytes[bytes.length - 2] == '\r' && bytes[bytes.length - 1] == '\n', message.name());
        }
        byte[] last = Corpus.byName(Corpus.BODY_WITHOUT_FINAL_CRLF).bytes();
        assertNotEquals('\n', last[last.length - 1]);
    }

    @Test
    void coversTheListedEdgeCases() {
        assertEquals(0, Corpus.byName("headers-only-no-blank-line").bytes().length
                - headerSectionLength(Corpus.byName("headers-only-no-blank-line").bytes()));
        String lines998 = ascii(Corpus.byName("body-lines-998-bytes"));
        assertTrue(lines998.contains("\r\n" + "a".repeat(998) + "\r\n"));
        assertTrue(Corpus.byName("long-body-200k").length() > 200 * 1024);
        assertTrue(ascii(Corpus.byName("header-names-odd-case")).contains("\r\nSUBJECT: "));
        assertTrue(ascii(Corpus.byName("header-continuation-whitespace-only")).contains("before\r\n \r\n after"));
        assertTrue(Corpus.byName("empty-body").bytes().length == headerSectionLength(Corpus.byName("empty-body").bytes()));
    }

    @Test
    void bytesAreCopiedSoTestsCannotChangeTheCorpus() {
        NamedMessage message = Corpus.byName("plain-ascii");
        byte[] bytes = message.bytes();
        bytes[0] = 'X';
        assertArrayEquals(Corpus.byName("plain-ascii").bytes(), message.bytes());
        assertEquals('F', message.bytes()[0]);
    }

    @Test
    void lineStructureCheckFindsBareLineEnds() {
        assertTrue(Corpus.lineStructureProblem(bytes("a\r\nb\nc\r\n"), false).orElseThrow().startsWith("bare LF"));
        assertTrue(Corpus.lineStructureProblem(bytes("a\rb\r\n"), false).orElseThrow().startsWith("bare CR"));
        assertTrue(Corpus.lineStructureProblem(bytes("x".repeat(999) + "\r\n"), false).isPresent());
        assertFalse(Corpus.lineStructureProblem(bytes("x".repeat(998) + "\r\n"), false).isPresent());
        assertTrue(Corpus.lineStructureProblem(bytes("a\r\nb"), false).isPresent());
        assertFalse(Corpus.lineStructureProblem(bytes("a\r\nb"), true).isPresent());
    }

    private static void assertOneFromOnOurDomains(NamedMessage message) {
        String text = new String(message.bytes(), StandardCharsets.ISO_8859_1);
        String headers = text.substring(0, headerSectionLength(message.bytes()));
        long froms = headers.lines().filter(line -> line.toLowerCase(Locale.ROOT).startsWith("from:")).count();
        assertEquals(1, froms, message.name() + ": From fields");
        String lower = headers.toLowerCase(Locale.ROOT);
        assertTrue(lower.contains("cast.works") || lower.contains("castworks.co.jp"), message.name());
    }

    /** Length up to and including the blank line, or the whole message when there is none. */
    private static int headerSectionLength(byte[] message) {
        String text = new String(message, StandardCharsets.ISO_8859_1);
        if (text.startsWith("\r\n")) {
            return 2;
        }
        int blank = text.indexOf("\r\n\r\n");
        return blank < 0 ? message.length : blank + 4;
    }

    private static String ascii(NamedMessage message) {
        return new String(message.bytes(), StandardCharsets.ISO_8859_1);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }
}
