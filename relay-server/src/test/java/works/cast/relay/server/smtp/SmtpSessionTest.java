package works.cast.relay.server.smtp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SmtpSessionTest {

    private SmtpServerSettings settings = SmtpServerSettings.of("relay.test",
            new SmtpServerSettings.Listener("127.0.0.1", 0, SmtpServerSettings.TlsMode.NONE), List.of("127.0.0.0/8"));
    private SmtpSession session;
    private SmtpSession.Action last;

    private void connect(String ip, SmtpServerSettings.TlsMode tls, boolean users) {
        session = new SmtpSession(settings, tls, "s1", new InetSocketAddress(ip, 40000), users);
    }

    private void connect(String ip) {
        connect(ip, SmtpServerSettings.TlsMode.NONE, true);
    }

    private void send(String line) {
        last = session.onLine(line);
    }

    private void expect(String prefix) {
        String wire = last.reply().map(r -> new String(r.toWire(), StandardCharsets.UTF_8)).orElse("(none)");
        assertTrue(wire.startsWith(prefix), "expected " + prefix + " but got " + wire);
    }

    private void expect(String prefix, SmtpSession.Kind kind) {
        expect(prefix);
        assertEquals(kind, last.kind());
    }

    private String ehloText() {
        return new String(last.reply().orElseThrow().toWire(), StandardCharsets.UTF_8);
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void plainSubmissionFromAllowedNetwork() {
        connect("127.0.0.1");
        assertTrue(session.greeting().summary().startsWith("220 relay.test"));
        send("EHLO app.example");
        expect("250-relay.test");
        String ehlo = ehloText();
        assertTrue(ehlo.contains("250-PIPELINING\r\n"));
        assertTrue(ehlo.contains("250-SIZE 26214400\r\n"));
        assertTrue(ehlo.contains("250-8BITMIME\r\n") && ehlo.contains("250-SMTPUTF8\r\n"));
        assertTrue(ehlo.contains("ENHANCEDSTATUSCODES"));
        assertFalse(ehlo.contains("STARTTLS"));
        send("mail from:<a@b.example> SIZE=100 BODY=8BITMIME");
        expect("250 2.1.0");
        send("RCPT TO:<c@d.example>");
        expect("250 2.1.5");
        send("RCPT TO:<e@f.example>");
        expect("250 2.1.5");
        send("DATA");
        expect("354", SmtpSession.Kind.START_DATA);
        assertEquals(List.of("c@d.example", "e@f.example"), session.envelope().recipients());
        assertTrue(session.envelope().eightBit());
        assertEquals("app.example", session.sessionInfo().heloName());
        session.onDataComplete();
        send("QUIT");
        expect("221", SmtpSession.Kind.CLOSE);
    }

    @Test
    void nullSenderIsAllowed() {
        connect("127.0.0.1");
        send("EHLO x");
        send("MAIL FROM:<>");
        expect("250");
    }

    @Test
    void outsideClientMustAuthenticate() {
        connect("192.0.2.1");
        send("EHLO x");
        send("MAIL FROM:<a@b.example>");
        expect("530 5.7.0 Authentication required");
    }

    @Test
    void authPlainThenMail() {
        connect("192.0.2.1");
        send("EHLO x");
        assertTrue(ehloText().contains("250 AUTH PLAIN LOGIN"));
        send("AUTH PLAIN " + b64("\0alice\0s3cret"));
        assertEquals(SmtpSession.Kind.AUTHENTICATE, last.kind());
        assertEquals(new SmtpSession.Credentials("alice", "s3cret"), session.takeCredentials());
        last = session.onAuthResult(Optional.of(new Authenticator.User("alice", Set.of("cast.works"))));
        expect("235 2.7.0");
        send("MAIL FROM:<a@cast.works>");
        expect("250");
        assertEquals(Optional.of("alice"), session.sessionInfo().authUser());
        assertEquals(Set.of("cast.works"), session.sessionInfo().userDomains());
    }

    @Test
    void authLoginExchange() {
        connect("192.0.2.1");
        send("EHLO x");
        send("AUTH LOGIN");
        expect("334 VXNlcm5hbWU6");
        assertTrue(session.isAwaitingAuthResponse());
        send(b64("alice"));
        expect("334 UGFzc3dvcmQ6");
        send(b64("wrong"));
        assertEquals(SmtpSession.Kind.AUTHENTICATE, last.kind());
        assertEquals("alice", session.takeCredentials().username());
        last = session.onAuthResult(Optional.empty());
        expect("535 5.7.8");
        send("MAIL FROM:<a@b.example>");
        expect("530");
    }

    @Test
    void authenticatedUsersSendOnlyFromTheirDomains() {
        connect("192.0.2.1");
        send("EHLO x");
        send("AUTH PLAIN " + b64("\0alice\0s3cret"));
        last = session.onAuthResult(Optional.of(new Authenticator.User("alice", Set.of("cast.works"))));
        expect("235 2.7.0");
        for (String refused : List.of("a@evil.example", "a@notcast.works", "a@cast.works.evil.example",
                "a@[192.0.2.1]")) {
            send("MAIL FROM:<" + refused + ">");
            expect("550 5.7.1 Sender address <" + refused + "> is not owned by user alice");
        }
        for (String allowed : List.of("", "a@cast.works", "bounce@mail.CAST.works")) {
            send("MAIL FROM:<" + allowed + ">");
            expect("250");
            send("RSET");
            expect("250");
        }
    }

    @Test
    void sendersFromAllowedNetworksAreNotChecked() {
        connect("127.0.0.1");
        send("EHLO x");
        send("MAIL FROM:<a@anything.example>");
        expect("250");
    }

    @Test
    void authThatCannotBeCheckedNowIs454() {
        connect("192.0.2.1");
        send("EHLO x");
        send("AUTH PLAIN " + b64("\0alice\0s3cret"));
        assertEquals(SmtpSession.Kind.AUTHENTICATE, last.kind());
        session.takeCredentials();
        last = session.onAuthUnavailable();
        expect("454 4.7.0");
        send("AUTH PLAIN " + b64("\0alice\0s3cret"));
        assertEquals(SmtpSession.Kind.AUTHENTICATE, last.kind(), "the client may try again at once");
    }

    @Test
    void authCancelAndBadBase64() {
        connect("192.0.2.1");
        send("EHLO x");
        send("AUTH PLAIN");
        expect("334 ");
        send("*");
        expect("501");
        send("AUTH PLAIN !!!");
        expect("501 5.5.2");
        send("AUTH CRAM-MD5");
        expect("504");
    }

    @Test
    void authRequiresTlsWhenConfigured() {
        settings = new SmtpServerSettings("relay.test", settings.listeners(), settings.sslContext(), false,
                settings.allowedNetworks(), true, settings.limits(), settings.bareLf());
        connect("192.0.2.1", SmtpServerSettings.TlsMode.STARTTLS, true);
        send("EHLO x");
        assertFalse(ehloText().contains("AUTH"));
        assertTrue(ehloText().contains("STARTTLS"));
        send("AUTH PLAIN " + b64("\0alice\0s3cret"));
        expect("538 5.7.11 Must issue STARTTLS first");
        send("STARTTLS");
        expect("220 2.0.0", SmtpSession.Kind.START_TLS);
        session.onTlsStarted("TLSv1.3", "TLS_AES_128_GCM_SHA256");
        send("MAIL FROM:<a@b.example>");
        expect("503", SmtpSession.Kind.REPLY);
        send("EHLO x");
        assertTrue(ehloText().contains("AUTH PLAIN LOGIN"));
        assertFalse(ehloText().contains("STARTTLS"));
        assertEquals(Optional.of("TLSv1.3"), session.sessionInfo().tlsProtocol());
    }

    @Test
    void noAuthWithoutUsers() {
        connect("127.0.0.1", SmtpServerSettings.TlsMode.NONE, false);
        send("EHLO x");
        assertFalse(ehloText().contains("AUTH"));
        send("AUTH PLAIN AGFsaWNlAHMzY3JldA==");
        expect("502");
    }

    @Test
    void badSequences() {
        connect("127.0.0.1");
        send("MAIL FROM:<a@b.example>");
        expect("503 5.5.1");
        send("EHLO x");
        send("RCPT TO:<a@b.example>");
        expect("503 5.5.1");
        send("DATA");
        expect("503 5.5.1");
        send("MAIL FROM:<a@b.example>");
        send("MAIL FROM:<a@b.example>");
        expect("503");
        send("DATA");
        expect("554");
        send("RSET");
        expect("250");
        send("RCPT TO:<a@b.example>");
        expect("503");
    }

    @Test
    void pathSyntax() {
        connect("127.0.0.1");
        send("EHLO x");
        for (String bad : List.of("MAIL FROM:a@b.example", "MAIL FROM: <a@b.example>", "MAIL FROM:<a@>",
                "MAIL FROM:<a b@c.example>", "MAIL FROM:<a@b.example", "MAIL FROM:<a..b@c.example>",
                "MAIL FROM:<@b.example>", "MAIL FROM:<a@b.example>SIZE=1", "MAIL FROM:<a@-b.example>")) {
            send(bad);
            expect("501 5.1.7");
        }
        send("MAIL FROM:<\"a b\"@c.example>");
        expect("250");
        for (String bad : List.of("RCPT TO:<>", "RCPT TO:<a>", "RCPT TO:a@b.example", "RCPT TO:<a@b@c.example>")) {
            send(bad);
            expect("501 5.1.3");
        }
        send("RCPT TO:<Postmaster>");
        expect("250");
        send("RCPT TO:<x@[192.0.2.1]>");
        expect("250");
        send("RCPT TO:<x@y.example> NOTIFY=NEVER");
        expect("555");
    }

    @Test
    void mailParameters() {
        connect("127.0.0.1");
        send("EHLO x");
        send("MAIL FROM:<a@b.example> SIZE=999999999999");
        expect("552 5.3.4");
        send("MAIL FROM:<a@b.example> SIZE=99999999999999999999999");
        expect("552 5.3.4");
        send("MAIL FROM:<a@b.example> SIZE=x");
        expect("501");
        send("MAIL FROM:<a@b.example> BODY=BINARYMIME");
        expect("501");
        send("MAIL FROM:<a@b.example> FOO=bar");
        expect("555 5.5.4");
        send("MAIL FROM:<a@b.example> SIZE=26214400 BODY=7BIT");
        expect("250");
    }

    @Test
    void nonAsciiAddressNeedsSmtpUtf8() {
        connect("127.0.0.1");
        send("EHLO x");
        send("MAIL FROM:<jöran@b.example>");
        expect("553 5.6.7");
        send("MAIL FROM:<a@b.example>");
        send("RCPT TO:<用户@例子.example>");
        expect("553");
        send("RSET");
        send("MAIL FROM:<jöran@b.example> SMTPUTF8");
        expect("250");
        send("RCPT TO:<用户@例子.example>");
        expect("250");
        send("DATA");
        assertTrue(session.envelope().smtpUtf8());
    }

    @Test
    void tooManyRecipients() {
        settings = new SmtpServerSettings("relay.test", settings.listeners(), settings.sslContext(), false,
                settings.allowedNetworks(), false, settings.limits().withRecipients(2), settings.bareLf());
        connect("127.0.0.1");
        send("EHLO x");
        send("MAIL FROM:<a@b.example>");
        send("RCPT TO:<1@b.example>");
        send("RCPT TO:<2@b.example>");
        expect("250");
        send("RCPT TO:<3@b.example>");
        expect("452 4.5.3");
        send("DATA");
        expect("354");
        assertEquals(2, session.envelope().recipients().size());
    }

    @Test
    void miscCommands() {
        connect("127.0.0.1");
        send("noop");
        expect("250");
        send("VRFY postmaster");
        expect("252 2.5.0");
        send("HELP");
        expect("214");
        send("HELO");
        expect("501");
        send("HELO x.example");
        expect("250 relay.test");
        send("STARTTLS");
        expect("502");
        send("FOO");
        expect("500 5.5.1");
    }

    @Test
    void twentyBadCommandsClose() {
        connect("127.0.0.1");
        for (int i = 1; i < 20; i++) {
            send("BOGUS " + i);
            expect("500", SmtpSession.Kind.REPLY);
        }
        send("BOGUS 20");
        expect("421 4.7.0", SmtpSession.Kind.CLOSE);
    }

    @Test
    void verbsIgnoreTurkishLocale() {
        java.util.Locale saved = java.util.Locale.getDefault();
        try {
            java.util.Locale.setDefault(new java.util.Locale("tr", "TR"));
            connect("127.0.0.1");
            send("ehlo x");
            send("mail from:<a@b.example>");
            expect("250");
            send("rcpt to:<c@d.example>");
            expect("250");
        } finally {
            java.util.Locale.setDefault(saved);
        }
    }
}
