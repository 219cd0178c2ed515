package works.cast.relay.core.mail;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class AuthorAddressTest {

    private static AuthorAddress from(String headers) {
        return AuthorAddress.of(HeaderParser.parse(headers.getBytes(StandardCharsets.UTF_8)));
    }

    @ParameterizedTest
    @CsvSource(delimiterString = "|", value = {
        "joe@cast.works|cast.works",
        "Joe SixPack <joe@CAST.Works>|cast.works",
        "\"Six, Joe\" <joe@castworks.co.jp>|castworks.co.jp",
        "joe@cast.works (Joe Six)|cast.works",
        "=?UTF-8?B?5bGx55Sw?= <yamada@castworks.co.jp>|castworks.co.jp",
        "\"joe@evil.example\" <joe@cast.works>|cast.works",
        "<\"odd local\"@mail.cast.works>|mail.cast.works",
        "Bücher <info@bücher.example>|xn--bcher-kva.example",
        "team: joe@cast.works;|cast.works",
    })
    void findsTheAuthorDomain(String value, String domain) {
        assertEquals(domain, from("From: " + value + "\r\nTo: x@y.example\r\n").domain().name());
    }

    @Test
    void foldedFromIsUnfolded() {
        assertEquals("cast.works", from("From: Joe\r\n <joe@cast.works>\r\n").domain().name());
    }

    @Test
    void rejectsMissingFrom() {
        var e = assertThrows(FromHeaderException.class, () -> from("To: x@y.example\r\n"));
        assertEquals(FromHeaderException.Problem.MISSING, e.problem());
    }

    @Test
    void rejectsTwoFromFields() {
        var e = assertThrows(FromHeaderException.class, () -> from("From: a@cast.works\r\nfrom: b@cast.works\r\n"));
        assertEquals(FromHeaderException.Problem.MULTIPLE_FIELDS, e.problem());
    }

    @Test
    void rejectsTwoMailboxes() {
        var e = assertThrows(FromHeaderException.class, () -> from("From: a@cast.works, b@evil.example\r\n"));
        assertEquals(FromHeaderException.Problem.MULTIPLE_MAILBOXES, e.problem());
    }

    @Test
    void rejectsEmptyGroupAndGarbage() {
        assertEquals(FromHeaderException.Problem.NO_MAILBOX,
                assertThrows(FromHeaderException.class, () -> from("From: undisclosed:;\r\n")).problem());
        assertEquals(FromHeaderException.Problem.INVALID,
                assertThrows(FromHeaderException.class, () -> from("From: joe\r\n")).problem());
    }

    @Test
    void domainIsCanonical() {
        assertEquals("cast.works", new Domain("CAST.Works.").name());
        assertEquals("cast.works", new Domain("mail.cast.works").parent().orElseThrow().name());
        assertThrows(IllegalArgumentException.class, () -> new Domain("bad..example"));
    }
}
