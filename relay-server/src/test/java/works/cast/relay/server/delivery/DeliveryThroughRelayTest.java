package works.cast.relay.server.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import works.cast.relay.core.interop.Dkimpy;
import works.cast.relay.core.interop.VerifyOutcome;
import works.cast.relay.server.SmtpTestClient;
import works.cast.relay.server.TestRelay;
import works.cast.relay.server.auth.Passwords;
import works.cast.relay.server.auth.UserEntry;
import works.cast.relay.server.auth.UsersFile;
import works.cast.relay.server.tls.TestCertificates;

/**
 * The whole relay in smarthost mode: accepted mail is queued durably and forwarded; a down upstream delays it, a
 * 4xx retries it, a 5xx bounces it once to the sender with a well-formed, unsigned delivery status notification.
 */
class DeliveryThroughRelayTest {

    @TempDir
    Path dir;

    private TestRelay relay(int upstreamPort) throws Exception {
        return TestRelay.start(dir, """
                delivery { mode = smarthost, smarthost { host = "127.0.0.1", port = %d, tls = none, connections = 2 },
                           timeouts { connect = 2s, command = 10s, data = 10s } }
                queue { retry = [ 1s ], max-age = 1h }
                """.formatted(upstreamPort));
    }

    private static void send(TestRelay relay, String from, String... to) throws Exception {
        Properties p = new Properties();
        p.put("mail.smtp.host", "127.0.0.1");
        p.put("mail.smtp.port", String.valueOf(relay.port()));
        p.put("mail.smtp.timeout", "30000");
        MimeMessage m = new MimeMessage(Session.getInstance(p));
        m.setFrom(new InternetAddress(from));
        for (String t : to) {
            m.addRecipient(Message.RecipientType.TO, new InternetAddress(t));
        }
        m.setSubject("delivery test");
        m.setText("hello upstream\n.leading dot\n");
        Transport.send(m);
    }

    private static ScriptedSmtpServer.Message next(ScriptedSmtpServer upstream) throws InterruptedException {
        ScriptedSmtpServer.Message m = upstream.messages.poll(30, TimeUnit.SECONDS);
        assertNotNull(m, "nothing arrived upstream within 30 s");
        return m;
    }

    @Test
    void forwardedMailArrivesSignedAndVerifies() throws Exception {
        try (ScriptedSmtpServer upstream = new ScriptedSmtpServer(); TestRelay relay = relay(upstream.port())) {
            send(relay, "app@castworks.co.jp", "rcpt@example.net");
            ScriptedSmtpServer.Message m = next(upstream);
            assertTrue(m.mailFrom().startsWith("MAIL FROM:<app@castworks.co.jp>"), m.mailFrom());
            VerifyOutcome o = Dkimpy.create().verify(m.content(), relay.dnsRecords());
            assertTrue(o.allPass(), o::describe);
            assertTrue(o.signatures().stream().allMatch(s -> s.domain().equals("castworks.co.jp")));
        }
    }

    @Test
    void upstreamDownThenUp() throws Exception {
        int port = Tools.freeTcpPort("127.0.0.1");
        try (TestRelay relay = relay(port)) {
            for (int i = 0; i < 3; i++) {
                send(relay, "app@cast.works", "rcpt" + i + "@example.net");
            }
            try (ScriptedSmtpServer upstream = new ScriptedSmtpServer("127.0.0.1", port)) {
                for (int i = 0; i < 3; i++) {
                    next(upstream);
                }
            }
        }
    }

    @Test
    void transientFailureIsRetried() throws Exception {
        try (ScriptedSmtpServer upstream = new ScriptedSmtpServer(); TestRelay relay = relay(upstream.port())) {
            AtomicInteger tries = new AtomicInteger();
            upstream.rcptReply = r -> tries.incrementAndGet() == 1 ? "451 4.3.0 try again" : "250 2.1.5 Ok";
            send(relay, "app@cast.works", "rcpt@example.net");
            next(upstream);
            assertTrue(tries.get() >= 2);
        }
    }

    @Test
    void permanentFailureBouncesOnceWithAnUnsignedReport() throws Exception {
        try (ScriptedSmtpServer upstream = new ScriptedSmtpServer(); TestRelay relay = relay(upstream.port())) {
            upstream.rcptReply = r -> r.contains("bad@") ? "550 5.1.1 no such user" : "250 2.1.5 Ok";
            send(relay, "app@cast.works", "good@example.net", "bad@example.net");
            ScriptedSmtpServer.Message original = next(upstream);
            assertEquals(1, original.recipients().size());
            assertEquals("good@example.net", original.recipients().get(0));
            ScriptedSmtpServer.Message bounce = next(upstream);
            assertTrue(bounce.mailFrom().startsWith("MAIL FROM:<>"), bounce.mailFrom());
            assertEquals(1, bounce.recipients().size());
            assertEquals("app@cast.works", bounce.recipients().get(0));
            MimeMessage dsn = new MimeMessage(Session.getInstance(new Properties()),
                    new ByteArrayInputStream(bounce.content()));
            assertTrue(dsn.getContentType().toLowerCase(java.util.Locale.ROOT).startsWith("multipart/report"),
                    dsn.getContentType());
            MimeMultipart parts = (MimeMultipart) dsn.getContent();
            assertTrue(parts.getBodyPart(1).getContentType().toLowerCase(java.util.Locale.ROOT)
                    .startsWith("message/delivery-status"));
            assertNull(dsn.getHeader("DKIM-Signature"), "the report is not signed with a domain it is not from");
            assertTrue(dsn.getFrom()[0].toString().contains("MAILER-DAEMON@relay.test"));
            assertTrue(bounce.text().contains("bad@example.net"));
            assertNull(upstream.messages.poll(3, TimeUnit.SECONDS), "exactly one report");
        }
    }

    @Test
    void passthroughAnswersWithTheUpstreamsReply() throws Exception {
        try (ScriptedSmtpServer upstream = new ScriptedSmtpServer();
             TestRelay relay = TestRelay.start(dir, """
                     delivery { mode = smarthost, passthrough = true,
                                smarthost { host = "127.0.0.1", port = %d, tls = none, connections = 2 } }
                     """.formatted(upstream.port()))) {
            upstream.rcptReply = r -> r.startsWith("nobody@") ? "550 5.1.1 <nobody@example.net>: no such user"
                    : "250 2.1.5 Ok";
            upstream.dataReply = "250 2.0.0 Ok: queued as UPSTREAM42";
            try (SmtpTestClient c = new SmtpTestClient(relay.port())) {
                c.hello();
                String refused = c.send("app@cast.works", "nobody@example.net", "From: app@cast.works\r\n\r\nx\r\n");
                assertTrue(refused.startsWith("550 5.1.1"), refused);
                String accepted = c.send("app@cast.works", "rcpt@example.net", "From: app@cast.works\r\n\r\ny\r\n");
                assertTrue(accepted.contains("UPSTREAM42"), "the client sees the upstream's own reply: " + accepted);
            }
            VerifyOutcome o = Dkimpy.create().verify(next(upstream).content(), relay.dnsRecords());
            assertTrue(o.allPass(), o::describe);
        }
    }

    /**
     * Forwarding to a real SMTP server with STARTTLS (certificate and host name verified) and AUTH: a second relay
     * that only relays (it signs nothing of cast.works) stands as the smarthost; what it receives verifies in dkimpy.
     */
    @Test
    void smarthostWithVerifiedStarttlsAndAuth() throws Exception {
        Path upDir = Files.createDirectories(dir.resolve("upstream"));
        var cert = TestCertificates.rsa(Files.createDirectories(
                upDir.resolve("tls")), TestCertificates.KeyFormat.PKCS8);
        Path users = upDir.resolve("users");
        UsersFile.empty().with(new UserEntry("relay",
                Passwords.hash("upstream-secret".toCharArray(), 4),
                List.of("cast.works", "castworks.co.jp"))).write(users);
        try (TestRelay upstream = TestRelay.start(upDir, """
                smtp.listen = [ { address = "127.0.0.1", port = 0, tls = starttls } ]
                tls { certificate = "%s", private-key = "%s" }
                access { networks = [ "192.0.2.0/24" ], users-file = "%s", auth-failure-delay = 0s }
                signing { domains { "unrelated.example" { } }, unknown-domain = pass }
                """.formatted(cert.certificate(), cert.privateKey(), users));
             TestRelay relay = TestRelay.start(Files.createDirectories(dir.resolve("relay")), """
                delivery { mode = smarthost, smarthost { host = "127.0.0.1", port = %d, tls = required,
                           trust-store = "%s", auth { user = relay, password = "upstream-secret" } } }
                queue.retry = [ 1s ]
                """.formatted(upstream.port(), cert.certificate()))) {
            try (SmtpTestClient c = new SmtpTestClient(relay.port())) {
                c.hello();
                assertTrue(c.send("app@cast.works", "rcpt@example.net",
                        "From: app@cast.works\r\nSubject: via tls\r\n\r\n..dot line\r\nbody\r\n").startsWith("250"));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (upstream.outbox().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            List<Path> got = upstream.outbox();
            assertEquals(1, got.size(), "the smarthost received the message");
            String text = Files.readString(got.get(0), StandardCharsets.ISO_8859_1);
            assertTrue(text.contains("with ESMTPSA"), "the hop used TLS and AUTH: " + text.substring(0, 300));
            VerifyOutcome o = Dkimpy.create().verify(Files.readAllBytes(got.get(0)), relay.dnsRecords());
            assertTrue(o.allPass(), o::describe);
        }
    }
}
