package works.cast.relay.server.smtp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The SASL steps of one AUTH command, as the client's lines go in (RFC 4954, RFC 4616). */
class AuthExchangeTest {

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void plainTakesOneResponse() {
        AuthExchange e = AuthExchange.start("plain").orElseThrow();
        assertEquals("334 ", e.challenge().summary());
        assertEquals(AuthExchange.Outcome.READY, e.respond(b64("\0alice\0s3cret")));
        assertEquals(Optional.of(new SmtpSession.Credentials("alice", "s3cret")), e.takeCredentials());
        assertEquals(Optional.empty(), e.takeCredentials(), "forgotten once taken");
        assertThrows(IllegalStateException.class, () -> e.respond(b64("more")));
    }

    @Test
    void loginAsksForUserThenPassword() {
        AuthExchange e = AuthExchange.start("LOGIN").orElseThrow();
        assertEquals("334 " + b64("Username:"), e.challenge().summary());
        assertEquals(AuthExchange.Outcome.CHALLENGE, e.respond(b64("alice")));
        assertEquals("334 " + b64("Password:"), e.challenge().summary());
        assertEquals(AuthExchange.Outcome.READY, e.respond(b64("s3cret")));
        assertEquals(Optional.of(new SmtpSession.Credentials("alice", "s3cret")), e.takeCredentials());
    }

    @Test
    void cancelAndBadBase64EndTheExchange() {
        AuthExchange cancelled = AuthExchange.start("LOGIN").orElseThrow();
        assertEquals(AuthExchange.Outcome.CANCELLED, cancelled.respond("*"));
        assertThrows(IllegalStateException.class, cancelled::challenge);
        AuthExchange bad = AuthExchange.start("PLAIN").orElseThrow();
        assertEquals(AuthExchange.Outcome.BAD_BASE64, bad.respond("not base64!"));
        assertEquals(Optional.empty(), bad.takeCredentials());
    }

    @Test
    void onlyPlainAndLoginAreOffered() {
        assertTrue(AuthExchange.start("CRAM-MD5").isEmpty());
        assertTrue(AuthExchange.start("XOAUTH2").isEmpty());
    }
}
