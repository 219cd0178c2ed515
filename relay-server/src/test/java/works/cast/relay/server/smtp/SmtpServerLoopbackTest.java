package works.cast.relay.server.smtp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The SMTP server on 127.0.0.1 with real clients: swaks, curl, Python smtplib and raw sockets. */
class SmtpServerLoopbackTest {

    private static final Duration TOOL_TIMEOUT = Duration.ofSeconds(30);

    private final RecordingReceiver receiver = new RecordingReceiver();
    private final List<SmtpServer> servers = new ArrayList<>();

    @TempDir
    Path tmp;

    private int start(SmtpServerSettings.TlsMode tls, List<String> networks, boolean requireTls,
                      UnaryOperator<SmtpServerSettings.Limits> limits) {
        SmtpServerSettings settings = new SmtpServerSettings("relay.test",
                List.of(new SmtpServerSettings.Listener("127.0.0.1", 0, tls)),
                tls == SmtpServerSettings.TlsMode.NONE ? Optional.empty() : Optional.of(TestTls.serverContext()),
                false, NetworkAcl.parse(networks), requireTls,
                limits.apply(SmtpServerSettings.Limits.defaults()
                        .withAuthFailures(Duration.ofMillis(50), 3, Duration.ofMinutes(1))),
                SmtpServerSettings.BareLfMode.REJECT);
        SmtpServer server = new SmtpServer(settings, receiver, FakeAuthenticator.alice());
        servers.add(server);
        server.start();
        return server.boundPorts().get(0);
    }

    private int startPlain() {
        return start(SmtpServerSettings.TlsMode.NONE, List.of("127.0.0.0/8"), false, l -> l);
    }

    private int startStartTls() {
        return start(SmtpServerSettings.TlsMode.STARTTLS, List.of("192.0.2.0/24"), true, l -> l);
    }

    @AfterEach
    void stop() {
        for (SmtpServer s : servers) {
            s.stop(Duration.ofMillis(200));
        }
    }

    private static String swaks() {
        return ExternalTools.require("/usr/bin/swaks");
    }

    @Test
    void swaksPlain() throws Exception {
        int port = startPlain();
        ExternalTools.Run run = ExternalTools.run(List.of(swaks(), "--server", "127.0.0.1:" + port,
                "--from", "a@cast.works", "--to", "b@example.com", "--header", "Subject: plain",
                "--body", "hello .\n.dot line", "--timeout", "10"), TOOL_TIMEOUT);
        assertEquals(0, run.exit(), run.output());
        RecordingReceiver.Message m = receiver.next(Duration.ofSeconds(5));
        assertEquals("a@cast.works", m.envelope().reversePath());
        assertEquals(List.of("b@example.com"), m.envelope().recipients());
        assertTrue(m.text().contains("Subject: plain\r\n"), m.text());
        assertTrue(m.text().contains("\r\n.dot line\r\n"), m.text());
    }

    @Test
    void swaksStartTlsWithAuthPlainAndLogin() throws Exception {
        int port = startStartTls();
        for (String mechanism : List.of("PLAIN", "LOGIN")) {
            ExternalTools.Run run = ExternalTools.run(List.of(swaks(), "--server", "127.0.0.1:" + port,
                    "--from", "a@cast.works", "--to", "b@example.com", "--tls", "--auth", mechanism,
                    "--auth-user", "alice", "--auth-password", "s3cret", "--timeout", "10"), TOOL_TIMEOUT);
            assertEquals(0, run.exit(), run.output());
            RecordingReceiver.Message m = receiver.next(Duration.ofSeconds(5));
            assertEquals(Optional.of("alice"), m.session().authUser());
            assertTrue(m.session().tlsProtocol().isPresent());
            assertTrue(m.session().tlsCipher().isPresent());
        }
    }

    @Test
    void swaksImplicitTlsWithAuth() throws Exception {
        int port = start(SmtpServerSettings.TlsMode.IMPLICIT, List.of("192.0.2.0/24"), true, l -> l);
        ExternalTools.Run run = ExternalTools.run(List.of(swaks(), "--server", "127.0.0.1:" + port,
                "--from", "a@cast.works", "--to", "b@example.com", "--tlsc", "--auth", "LOGIN",
                "--auth-user", "alice", "--auth-password", "s3cret", "--timeout", "10"), TOOL_TIMEOUT);
        assertEquals(0, run.exit(), run.output());
        assertTrue(!run.output().contains("STARTTLS"), run.output());
        RecordingReceiver.Message m = receiver.next(Duration.ofSeconds(5));
        assertEquals(Optional.of("alice"), m.session().authUser());
        assertTrue(m.session().tlsProtocol().isPresent());
    }

    @Test
    void swaksWrongPasswordFails() throws Exception {
        int port = startStartTls();
        ExternalTools.Run run = ExternalTools.run(List.of(swaks(), "--server", "127.0.0.1:" + port,
                "--from", "a@cast.works", "--to", "b@example.com", "--tls", "--auth", "PLAIN",
                "--auth-user", "alice", "--auth-password", "wrong", "--timeout", "10"), TOOL_TIMEOUT);
        assertTrue(run.exit() != 0, run.output());
        assertTrue(run.output().contains("535 5.7.8"), run.output());
        assertTrue(receiver.opened.isEmpty());
    }

    @Test
    void authBeforeStartTlsIsRefused() throws Exception {
        int port = startStartTls();
        try (LineClient c = new LineClient(port)) {
            assertTrue(c.reply().startsWith("220"));
            String ehlo = c.command("EHLO client.test");
            assertTrue(ehlo.contains("STARTTLS") && !ehlo.contains("AUTH"), ehlo);
            assertTrue(c.command("AUTH PLAIN AGFsaWNlAHMzY3JldA==").startsWith("538 5.7.11"));
            assertTrue(c.command("MAIL FROM:<a@cast.works>").startsWith("530 5.7.0"));
        }
    }

    @Test
    void curlSubmits() throws Exception {
        String curl = ExternalTools.require("/usr/bin/curl");
        int port = startPlain();
        Path mail = tmp.resolve("mail.eml");
        Files.writeString(mail, "From: a@cast.works\r\nSubject: curl\r\n\r\nbody\r\n.leading dot\r\n");
        ExternalTools.Run run = ExternalTools.run(List.of(curl, "-sS", "--max-time", "10",
                "smtp://127.0.0.1:" + port, "--mail-from", "a@cast.works", "--mail-rcpt", "b@example.com",
                "--upload-file", mail.toString()), TOOL_TIMEOUT);
        assertEquals(0, run.exit(), run.output());
        RecordingReceiver.Message m = receiver.next(Duration.ofSeconds(5));
        assertTrue(m.text().endsWith("body\r\n.leading dot\r\n"), m.text());
    }

    @Test
    void pythonSmtplibWithStartTlsAndLogin() throws Exception {
        String python = ExternalTools.require("/usr/bin/python3");
        int port = startStartTls();
        String script = String.join("\n",
                "import smtplib, ssl, sys",
                "ctx = ssl.create_default_context()",
                "ctx.check_hostname = False",
                "ctx.verify_mode = ssl.CERT_NONE",
                "s = smtplib.SMTP('127.0.0.1', int(sys.argv[1]), timeout=10)",
                "s.ehlo('py.test')",
                "s.starttls(context=ctx)",
                "s.ehlo('py.test')",
                "s.login('alice', 's3cret')",
                "s.sendmail('a@cast.works', ['b@example.com', 'c@example.com'],",
                "           'From: a@cast.works\\r\\nSubject: py\\r\\n\\r\\n.hi\\r\\n')",
                "s.quit()");
        ExternalTools.Run run = ExternalTools.run(List.of(python, "-c", script, String.valueOf(port)), TOOL_TIMEOUT);
        assertEquals(0, run.exit(), run.output());
        RecordingReceiver.Message m = receiver.next(Duration.ofSeconds(5));
        assertEquals(List.of("b@example.com", "c@example.com"), m.envelope().recipients());
        assertTrue(m.text().endsWith("\r\n\r\n.hi\r\n"), m.text());
        assertEquals(Optional.of("alice"), m.session().authUser());
    }

    @Test
    void notAnOpenRelay() throws Exception {
        int port = start(SmtpServerSettings.TlsMode.NONE, List.of("127.0.0.1/32"), false, l -> l);
        try (LineClient c = new LineClient("127.0.0.2", port)) {
            assertTrue(c.reply().startsWith("220"));
            c.command("EHLO outsider.test");
            assertTrue(c.command("MAIL FROM:<a@cast.works>").startsWith("530 5.7.0"));
            assertTrue(c.command("RCPT TO:<victim@example.com>").startsWith("503"));
            assertTrue(c.command("DATA").startsWith("503"));
            c.raw("Subject: relay\r\n\r\nspam\r\n.\r\n");
            for (int i = 0; i < 4; i++) {
                assertTrue(c.reply().startsWith("5"), "content lines are bad commands, never a message");
            }
            assertTrue(c.command("QUIT").startsWith("221"));
        }
        try (LineClient c = new LineClient("127.0.0.1", port)) {
            c.reply();
            c.command("EHLO insider.test");
            assertTrue(c.command("MAIL FROM:<a@cast.works>").startsWith("250"));
        }
        assertTrue(receiver.opened.isEmpty());
        assertTrue(receiver.accepted.isEmpty());
    }

    @Test
    void smugglingOverRawSocket() throws Exception {
        int port = startPlain();
        try (LineClient c = new LineClient(port)) {
            c.reply();
            c.command("EHLO smuggler.test");
            c.raw("MAIL FROM:<a@cast.works>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n");
            assertTrue(c.reply().startsWith("250"));
            assertTrue(c.reply().startsWith("250"));
            assertTrue(c.reply().startsWith("354"));
            c.raw("Subject: first\r\n\r\nfirst\n.\nMAIL FROM:<evil@cast.works>\r\nRCPT TO:<v@example.com>\r\nDATA\r\n"
                    + "Subject: smuggled\r\n\r\nsmuggled\r\n.\r\n");
            assertTrue(c.reply().startsWith("550 5.6.0"));
            c.raw("MAIL FROM:<a@cast.works>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n");
            assertTrue(c.reply().startsWith("250"));
            assertTrue(c.reply().startsWith("250"));
            assertTrue(c.reply().startsWith("354"));
            c.raw("Subject: clean\r\n\r\nclean\r\n.\r\n");
            assertTrue(c.reply().startsWith("250"));
            assertTrue(c.command("QUIT").startsWith("221"));
        }
        RecordingReceiver.Message m = receiver.next(Duration.ofSeconds(5));
        assertTrue(m.text().contains("Subject: clean"));
        assertTrue(receiver.accepted.isEmpty(), "only one message accepted");
        assertEquals(1, receiver.aborted.size());
    }

    @Test
    void commandsPipelinedAfterStartTlsAreDiscarded() throws Exception {
        int port = start(SmtpServerSettings.TlsMode.STARTTLS, List.of("127.0.0.0/8"), true, l -> l);
        try (LineClient c = new LineClient(port)) {
            c.reply();
            c.command("EHLO client.test");
            c.raw("STARTTLS\r\nMAIL FROM:<injected@cast.works>\r\nRCPT TO:<victim@example.com>\r\n");
            assertTrue(c.reply().startsWith("220 2.0.0"));
            c.startTls();
            String ehlo = c.command("EHLO client.test");
            assertTrue(ehlo.startsWith("250") && ehlo.contains("AUTH PLAIN LOGIN") && !ehlo.contains("STARTTLS"),
                    ehlo);
            assertTrue(c.command("RCPT TO:<victim@example.com>").startsWith("503"), "injected MAIL was dropped");
            assertTrue(c.command("MAIL FROM:<a@cast.works>").startsWith("250"));
        }
    }

    @Test
    void badCommandFloodIsCut() throws Exception {
        int port = startPlain();
        try (LineClient c = new LineClient(port)) {
            c.reply();
            StringBuilder flood = new StringBuilder();
            for (int i = 0; i < 30; i++) {
                flood.append("XYZZY ").append(i).append("\r\n");
            }
            c.raw(flood.toString());
            for (int i = 0; i < 19; i++) {
                assertTrue(c.reply().startsWith("500 5.5.1"));
            }
            assertTrue(c.reply().startsWith("421 4.7.0"));
            assertEquals("EOF", c.reply());
        }
    }

    @Test
    void idleClientTimesOut() throws Exception {
        int port = start(SmtpServerSettings.TlsMode.NONE, List.of("127.0.0.0/8"), false,
                l -> l.withTimeouts(Duration.ofMillis(300), Duration.ofMillis(300)));
        try (LineClient c = new LineClient(port)) {
            assertTrue(c.reply().startsWith("220"));
            assertTrue(c.reply().startsWith("421 4.4.2"));
            assertEquals("EOF", c.reply());
        }
        try (LineClient c = new LineClient(port)) {
            c.reply();
            c.command("EHLO x");
            c.command("MAIL FROM:<a@cast.works>");
            c.command("RCPT TO:<b@example.com>");
            assertTrue(c.command("DATA").startsWith("354"));
            c.raw("Subject: slow\r\n");
            assertTrue(c.reply().startsWith("421 4.4.2"));
        }
        assertTrue(receiver.accepted.isEmpty());
    }

    @Test
    void tooManyRecipients() throws Exception {
        int port = start(SmtpServerSettings.TlsMode.NONE, List.of("127.0.0.0/8"), false, l -> l.withRecipients(2));
        try (LineClient c = new LineClient(port)) {
            c.reply();
            c.command("EHLO x");
            c.command("MAIL FROM:<a@cast.works>");
            assertTrue(c.command("RCPT TO:<1@example.com>").startsWith("250"));
            assertTrue(c.command("RCPT TO:<2@example.com>").startsWith("250"));
            assertTrue(c.command("RCPT TO:<3@example.com>").startsWith("452 4.5.3"));
        }
    }

    @Test
    void oversizeMessage() throws Exception {
        int port = start(SmtpServerSettings.TlsMode.NONE, List.of("127.0.0.0/8"), false, l -> l.withMessageSize(1000));
        try (LineClient c = new LineClient(port)) {
            c.reply();
            assertTrue(c.command("EHLO x").contains("SIZE 1000"));
            assertTrue(c.command("MAIL FROM:<a@cast.works> SIZE=1001").startsWith("552 5.3.4"));
            c.command("MAIL FROM:<a@cast.works> SIZE=900");
            c.command("RCPT TO:<b@example.com>");
            assertTrue(c.command("DATA").startsWith("354"));
            StringBuilder body = new StringBuilder("Subject: big\r\n\r\n");
            for (int i = 0; i < 200; i++) {
                body.append("0123456789abcdef\r\n");
            }
            c.raw(body + ".\r\n");
            assertTrue(c.reply().startsWith("552 5.3.4"));
            assertTrue(c.command("NOOP").startsWith("250"));
        }
        assertTrue(receiver.accepted.isEmpty());
        assertEquals(1, receiver.aborted.size());
    }

    @Test
    void repeatedAuthFailuresCloseTheConnection() throws Exception {
        int port = start(SmtpServerSettings.TlsMode.NONE, List.of("192.0.2.0/24"), false, l -> l);
        try (LineClient c = new LineClient("127.0.0.4", port)) {
            c.reply();
            c.command("EHLO x");
            assertTrue(c.command("AUTH PLAIN AGFsaWNlAHdyb25n").startsWith("535 5.7.8"));
            assertTrue(c.command("AUTH PLAIN AGFsaWNlAHdyb25n").startsWith("535 5.7.8"));
            assertTrue(c.command("AUTH PLAIN AGFsaWNlAHdyb25n").startsWith("421 4.7.0"));
            assertEquals("EOF", c.reply());
        }
        try (LineClient c = new LineClient("127.0.0.4", port)) {
            assertTrue(c.reply().startsWith("421"), "blocked address is refused at connect");
        }
    }

    @Test
    void bindConflictNamesTheAddress() {
        int port = startPlain();
        SmtpServerSettings settings = SmtpServerSettings.of("relay.test",
                new SmtpServerSettings.Listener("127.0.0.1", port, SmtpServerSettings.TlsMode.NONE),
                List.of("127.0.0.1/32"));
        SmtpServer second = new SmtpServer(settings, receiver, FakeAuthenticator.none());
        IllegalStateException e = assertThrows(IllegalStateException.class, second::start);
        assertTrue(e.getMessage().contains("127.0.0.1:" + port), e.getMessage());
    }

    @Test
    void eightBitAndUtf8ContentPassesUnchanged() throws Exception {
        int port = startPlain();
        byte[] body = "Subject: =?UTF-8?B?w6k=?=\r\n\r\nh\u00e9llo \u4e16\u754c\r\n".getBytes(StandardCharsets.UTF_8);
        try (LineClient c = new LineClient(port)) {
            c.reply();
            c.command("EHLO x");
            assertTrue(c.command("MAIL FROM:<j\u00f6ran@cast.works> SMTPUTF8 BODY=8BITMIME").startsWith("250"));
            c.command("RCPT TO:<b@example.com>");
            c.command("DATA");
            c.raw(new String(body, StandardCharsets.UTF_8) + ".\r\n");
            assertTrue(c.reply().startsWith("250"));
        }
        RecordingReceiver.Message m = receiver.next(Duration.ofSeconds(5));
        assertEquals(new String(body, StandardCharsets.UTF_8), m.text());
        assertTrue(m.envelope().smtpUtf8() && m.envelope().eightBit());
    }

    @Test
    void stopClosesLingeringSessionsAndStopsAccepting() throws Exception {
        int port = startPlain();
        try (LineClient c = new LineClient(port)) {
            assertTrue(c.reply().startsWith("220"));
            servers.get(0).stop(Duration.ofMillis(200));
            assertTrue(c.reply().startsWith("421 4.3.2"));
            assertEquals("EOF", c.reply());
        }
        assertThrows(java.io.IOException.class, () -> new LineClient(port).close());
    }
}
