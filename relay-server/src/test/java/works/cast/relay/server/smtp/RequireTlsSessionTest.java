package works.cast.relay.server.smtp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import works.cast.relay.core.mail.TlsRequirement;

/** REQUIRETLS in the submission session (RFC 8689 section 2), as transcripts. */
class RequireTlsSessionTest {

    private final SmtpServerSettings settings = SmtpServerSettings.of("relay.test",
            new SmtpServerSettings.Listener("127.0.0.1", 0, SmtpServerSettings.TlsMode.NONE),
            List.of("127.0.0.0/8"));
    private SmtpSession session;
    private SmtpSession.Action last;

    private void connect(SmtpServerSettings.TlsMode mode) {
        session = new SmtpSession(settings, mode, "s1", new InetSocketAddress("127.0.0.1", 40000), false);
    }

    private String send(String line) {
        last = session.onLine(line);
        return last.reply().map(r -> new String(r.toWire(), StandardCharsets.UTF_8)).orElse("(none)");
    }

    @Test
    void offeredOnlyAfterStartTls() {
        connect(SmtpServerSettings.TlsMode.STARTTLS);
        String before = send("EHLO app.example");
        assertTrue(before.contains("STARTTLS\r\n"), before);
        assertFalse(before.contains("REQUIRETLS"), before);
        assertTrue(send("STARTTLS").startsWith("220"));
        session.onTlsStarted("TLSv1.3", "TLS_AES_128_GCM_SHA256");
        String after = send("EHLO app.example");
        assertTrue(after.contains("REQUIRETLS\r\n"), after);
        assertFalse(after.contains("STARTTLS"), after);
    }

    @Test
    void offeredOnAnImplicitTlsListener() {
        connect(SmtpServerSettings.TlsMode.IMPLICIT);
        session.onTlsStarted("TLSv1.3", "TLS_AES_128_GCM_SHA256");
        assertTrue(send("EHLO app.example").contains("REQUIRETLS"));
    }

    @Test
    void refusedWithEncryptionNeededOnAClearSession() {
        connect(SmtpServerSettings.TlsMode.STARTTLS);
        send("EHLO app.example");
        assertTrue(send("MAIL FROM:<a@cast.works> REQUIRETLS").startsWith("530 5.7.10 "));
        assertTrue(send("MAIL FROM:<a@cast.works>").startsWith("250"), "the session goes on");
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
        "MAIL FROM:<a@cast.works> REQUIRETLS;                 250;        requiretls",
        "MAIL FROM:<a@cast.works> requiretls SIZE=10;         250;        requiretls",
        "MAIL FROM:<a@cast.works>;                            250;        default",
        "MAIL FROM:<a@cast.works> REQUIRETLS=yes;             501 5.5.4;  -",
    })
    void tagsTheEnvelopeOnATlsSession(String mail, String reply, String tls) {
        connect(SmtpServerSettings.TlsMode.STARTTLS);
        send("STARTTLS");
        session.onTlsStarted("TLSv1.3", "TLS_AES_128_GCM_SHA256");
        send("EHLO app.example");
        assertTrue(send(mail).startsWith(reply), last.toString());
        if (!tls.equals("-")) {
            send("RCPT TO:<b@example.net>");
            assertTrue(send("DATA").startsWith("354"));
            assertEquals(TlsRequirement.ofLabel(tls).orElseThrow(), session.envelope().tls());
        }
    }

    @Test
    void theFlagDoesNotOutliveItsTransaction() {
        connect(SmtpServerSettings.TlsMode.STARTTLS);
        send("STARTTLS");
        session.onTlsStarted("TLSv1.3", "TLS_AES_128_GCM_SHA256");
        send("EHLO app.example");
        send("MAIL FROM:<a@cast.works> REQUIRETLS");
        send("RSET");
        send("MAIL FROM:<a@cast.works>");
        send("RCPT TO:<b@example.net>");
        send("DATA");
        assertEquals(TlsRequirement.DEFAULT, session.envelope().tls());
    }
}
