package works.cast.relay.core.mail;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import works.cast.relay.core.interop.Corpus;
import works.cast.relay.core.interop.NamedMessage;

class HeaderSyntaxTest {

    private static Optional<String> problem(String headers) {
        return HeaderSyntax.problem(HeaderParser.parse(headers.getBytes(StandardCharsets.ISO_8859_1)));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "From: a@cast.works\r\nSubject: x\r\n",
        "From: a@cast.works\r\nSubject : x\r\n",
        "From: a@cast.works\r\nSubject\t: x\r\n",
        "From: a@cast.works\r\nX-Long: a\r\n b\r\n\tc\r\n",
        "From: a@cast.works\r\nSubject: no final line end",
        "",
    })
    void acceptsFieldsAndTheObsoleteSpaceBeforeColon(String headers) {
        assertEquals(Optional.empty(), problem(headers));
    }

    /** The interop corpus goes through the relay in other tests: none of it may be refused. */
    @Test
    void theInteropCorpusIsWellFormed() {
        List<NamedMessage> corpus = new ArrayList<>(Corpus.all());
        corpus.addAll(Corpus.random(20251104L, 200));
        for (NamedMessage m : corpus) {
            HeaderParser p = new HeaderParser(1 << 20);
            p.update(m.bytes(), 0, m.bytes().length);
            assertEquals(Optional.empty(), HeaderSyntax.problem(p.headers()), m.name());
        }
    }

    @Test
    void namesTheLineWithoutColonCountingFoldedLines() {
        assertEquals(Optional.of("Header line 4 has no colon (RFC 5322 section 2.2)"),
                problem("From: a@cast.works\r\nTo: b@example.net,\r\n c@example.net\r\nNo colon here\r\nSubject: x\r\n"));
    }

    @Test
    void refusesALeadingContinuationLine() {
        assertEquals(Optional.of("Header line 1 begins with whitespace but continues no field (RFC 5322 section 2.2.3)"),
                problem(" X: y\r\nFrom: a@cast.works\r\n"));
        assertTrue(problem("\tFrom: a@cast.works\r\n").isPresent());
    }

    @ParameterizedTest
    @ValueSource(strings = {": empty name\r\n", "From a@cast.works Thu Dec  3 18:17:42 2026\r\n", "Sub ject: x\r\n",
        "Subj\u00e9ct: x\r\n"})
    void refusesFieldNamesOutsideFtext(String line) {
        assertEquals(Optional.of("Header line 2 has a field name that is not printable US-ASCII without spaces"
                + " (RFC 5322 section 3.6.8)"), problem("From: a@cast.works\r\n" + line));
    }

    @Test
    void removesOnlyTheWhitespaceBeforeTheColon() {
        HeaderField f = HeaderField.parse("Subject \t : a : b\r\n c\r\n");
        assertTrue(f.hasSpaceBeforeColon());
        assertEquals("Subject", f.name());
        HeaderField n = f.withoutSpaceBeforeColon();
        assertEquals("Subject: a : b\r\n c\r\n", n.toString());
        assertFalse(n.hasSpaceBeforeColon());
        assertEquals(f.unfoldedValue(), n.unfoldedValue());
        HeaderField plain = HeaderField.parse("Subject: x\r\n");
        assertSame(plain, plain.withoutSpaceBeforeColon());
    }
}
