package works.cast.relay.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import works.cast.relay.core.interop.Dkimpy;
import works.cast.relay.core.interop.VerifyOutcome;
import works.cast.relay.core.keys.SelectorKey;
import works.cast.relay.core.mail.Domain;
import works.cast.relay.server.auth.Passwords;
import works.cast.relay.server.auth.UserEntry;
import works.cast.relay.server.auth.UsersFile;
import works.cast.relay.server.smtp.ExternalTools;
import works.cast.relay.server.tls.TestCertificates;

/**
 * Real SMTP clients submit through a running relay (plain and STARTTLS with AUTH), and what comes out verifies in
 * dkimpy with each domain's own d= and selectors.
 */
class RealClientsTest {

    static final String PASSWORD = "app-password-1";

    @TempDir
    static Path dir;
    static TestRelay relay;
    static int plainPort;
    static int starttlsPort;

    @BeforeAll
    static void start() throws Exception {
        var cert = TestCertificates.rsa(Files.createDirectories(dir.resolve("tls")), TestCertificates.KeyFormat.PKCS8);
        Path users = dir.resolve("users");
        UsersFile.empty().with(new UserEntry("app", Passwords.hash(PASSWORD.toCharArray(), 4),
                List.of("cast.works", "castworks.co.jp"))).write(users);
        relay = TestRelay.start(dir, """
                smtp.listen = [ { address = "127.0.0.1", port = 0, tls = none },
                                { address = "127.0.0.1", port = 0, tls = starttls } ]
                tls { certificate = "%s", private-key = "%s" }
                access { networks = [ "127.0.0.1/32" ], users-file = "%s", auth-failure-delay = 0s }
                """.formatted(cert.certificate(), cert.privateKey(), users));
        plainPort = relay.port(0);
        starttlsPort = relay.port(1);
    }

    @AfterAll
    static void stop() {
        if (relay != null) {
            relay.close();
        }
    }

    private List<Path> before;

    @BeforeEach
    void remember() throws IOException {
        before = relay.outbox();
    }

    /** The one new message in the outbox since the test began. */
    private byte[] delivered() throws IOException {
        List<Path> now = new ArrayList<>(relay.outbox());
        now.removeAll(before);
        assertEquals(1, now.size(), "messages delivered: " + now);
        return Files.readAllBytes(now.get(0));
    }

    /** Checks the message verifies in dkimpy, signed by exactly the domain's active selectors. */
    private void assertSignedBy(byte[] message, String domain) {
        VerifyOutcome o = Dkimpy.create().verify(message, relay.dnsRecords());
        assertTrue(o.allPass(), o::describe);
        Set<String> expected = relay.keys().active(new Domain(domain)).stream().map(SelectorKey::selector)
                .collect(Collectors.toSet());
        assertEquals(2, expected.size(), "RSA and Ed25519");
        assertEquals(expected, o.signatures().stream().map(s -> s.selector()).collect(Collectors.toSet()));
        o.signatures().forEach(s -> assertEquals(domain, s.domain()));
    }

    private static ExternalTools.Run run(String... command) throws Exception {
        return ExternalTools.run(List.of(command), Duration.ofSeconds(60));
    }

    @ParameterizedTest
    @ValueSource(strings = {"cast.works", "castworks.co.jp"})
    void swaksPlain(String domain) throws Exception {
        ExternalTools.require("/usr/bin/swaks");
        var r = run("swaks", "--server", "127.0.0.1:" + plainPort, "--from", "app@" + domain, "--to", "rcpt@example.net",
                "--header", "From: App <app@" + domain + ">", "--body", "plain swaks test\n.leading dot\n");
        assertEquals(0, r.exit(), r.output());
        assertSignedBy(delivered(), domain);
    }

    @ParameterizedTest
    @ValueSource(strings = {"PLAIN", "LOGIN"})
    void swaksStarttlsAndAuth(String mechanism) throws Exception {
        ExternalTools.require("/usr/bin/swaks");
        for (String domain : List.of("cast.works", "castworks.co.jp")) {
            before = relay.outbox();
            var r = run("swaks", "--server", "127.0.0.1:" + starttlsPort, "-tls", "--auth", mechanism,
                    "--auth-user", "app", "--auth-password", PASSWORD, "--from", "app@" + domain,
                    "--to", "rcpt@example.net", "--header", "From: app@" + domain);
            assertEquals(0, r.exit(), r.output());
            byte[] m = delivered();
            assertTrue(new String(m, StandardCharsets.US_ASCII).contains("with ESMTPSA"), "Received says TLS + AUTH");
            assertSignedBy(m, domain);
        }
    }

    @Test
    void authBeforeStarttlsIsRefused() throws Exception {
        ExternalTools.require("/usr/bin/swaks");
        var r = run("swaks", "--server", "127.0.0.1:" + starttlsPort, "--auth", "PLAIN", "--auth-user", "app",
                "--auth-password", PASSWORD, "--from", "app@cast.works", "--to", "rcpt@example.net");
        assertTrue(r.exit() != 0, r.output());
        assertEquals(List.of(), newMessages());
    }

    @ParameterizedTest
    @ValueSource(strings = {"cast.works", "castworks.co.jp"})
    void curl(String domain) throws Exception {
        ExternalTools.require("/usr/bin/curl");
        Path mail = dir.resolve("curl-" + domain + ".eml");
        Files.writeString(mail, "From: Curl <app@" + domain + ">\r\nTo: rcpt@example.net\r\nSubject: curl\r\n\r\n"
                + "sent by curl\r\n");
        var r = run("curl", "-sS", "--max-time", "30", "smtp://127.0.0.1:" + plainPort, "--mail-from", "app@" + domain,
                "--mail-rcpt", "rcpt@example.net", "--upload-file", mail.toString());
        assertEquals(0, r.exit(), r.output());
        assertSignedBy(delivered(), domain);
    }

    @ParameterizedTest
    @ValueSource(strings = {"cast.works", "castworks.co.jp"})
    void pythonSmtplibWithStarttlsAndLogin(String domain) throws Exception {
        ExternalTools.require("/usr/bin/python3");
        String script = """
                import smtplib, ssl, sys
                from email.message import EmailMessage
                m = EmailMessage()
                m["From"] = "Django App <app@%s>"
                m["To"] = "rcpt@example.net"
                m["Subject"] = "smtplib \\u00e9t\\u00e9"
                m.set_content("caf\\u00e9 au lait\\n")
                ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
                with smtplib.SMTP("127.0.0.1", %d, timeout=30) as s:
                    s.starttls(context=ctx)
                    s.login("app", "%s")
                    s.send_message(m)
                """.formatted(domain, starttlsPort, PASSWORD);
        var r = run("/usr/bin/python3", "-c", script);
        assertEquals(0, r.exit(), r.output());
        assertSignedBy(delivered(), domain);
    }

    @ParameterizedTest
    @ValueSource(strings = {"cast.works", "castworks.co.jp"})
    void jakartaMailAsAJavaApplication(String domain) throws Exception {
        Properties p = new Properties();
        p.put("mail.smtp.host", "127.0.0.1");
        p.put("mail.smtp.port", String.valueOf(starttlsPort));
        p.put("mail.smtp.starttls.enable", "true");
        p.put("mail.smtp.starttls.required", "true");
        p.put("mail.smtp.ssl.trust", "*");
        p.put("mail.smtp.auth", "true");
        p.put("mail.smtp.timeout", "30000");
        Session session = Session.getInstance(p);
        MimeMessage m = new MimeMessage(session);
        m.setFrom(new InternetAddress("noreply@" + domain, "Spring App"));
        m.setRecipient(Message.RecipientType.TO, new InternetAddress("rcpt@example.net"));
        m.setSubject("Your order has shipped", "UTF-8");
        m.setText("Hello,\n\nyour order has shipped.\n", "UTF-8");
        Transport.send(m, "app", PASSWORD);
        assertSignedBy(delivered(), domain);
    }

    @Test
    void anotherAddressCannotRelayWithoutAuth() throws Exception {
        ExternalTools.require("/usr/bin/swaks");
        var r = run("swaks", "--server", "127.0.0.1:" + plainPort, "--local-interface", "127.0.0.2",
                "--from", "app@cast.works", "--to", "victim@example.org", "--header", "From: app@cast.works");
        assertTrue(r.exit() != 0, r.output());
        assertTrue(r.output().contains("530 5.7.0"), r.output());
        assertEquals(List.of(), newMessages());
    }

    @Test
    void authenticatedUserMayNotSendAsAnotherDomain() throws Exception {
        ExternalTools.require("/usr/bin/swaks");
        var r = run("swaks", "--server", "127.0.0.1:" + starttlsPort, "-tls", "--auth", "PLAIN", "--auth-user", "app",
                "--auth-password", PASSWORD, "--from", "app@cast.works", "--to", "rcpt@example.net",
                "--header", "From: ceo@bank.example");
        assertTrue(r.output().contains("550 5.7.1"), r.output());
        assertEquals(List.of(), newMessages());
    }

    private List<Path> newMessages() throws IOException {
        List<Path> now = new ArrayList<>(relay.outbox());
        now.removeAll(before);
        return now;
    }
}
