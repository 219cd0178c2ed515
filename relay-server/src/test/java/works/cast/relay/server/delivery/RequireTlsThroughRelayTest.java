package works.cast.relay.server.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import works.cast.relay.server.TestRelay;
import works.cast.relay.server.cli.QueueCommand;
import works.cast.relay.server.smtp.ExternalTools;
import works.cast.relay.server.tls.TestCertificates;

/**
 * REQUIRETLS end to end (RFC 8689) through a running relay: real clients submit it (Python's smtplib with
 * {@code mail_options=['REQUIRETLS']} after STARTTLS; swaks sees the EHLO keyword only inside TLS and submits
 * {@code TLS-Required: No}), and a smarthost sink takes it only over TLS with a verified certificate while offering
 * REQUIRETLS; otherwise the sender gets a DSN and the sink never sees the message. The flag survives a restart.
 */
class RequireTlsThroughRelayTest {

    /** Submits one message with smtplib; prints what the EHLO replies offered and what became of MAIL FROM. */
    static final String SMTPLIB = """
            import smtplib, ssl, sys
            port, mode, sender, rcpt = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
            s = smtplib.SMTP('127.0.0.1', port, timeout=30)
            s.ehlo('app.cast.works')
            print('clear-offers', s.has_extn('requiretls'))
            if mode == 'starttls':
                ctx = ssl.create_default_context()
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
                s.starttls(context=ctx)
                s.ehlo('app.cast.works')
                print('tls-offers', s.has_extn('requiretls'))
            msg = 'From: App <%s>\\r\\nTo: %s\\r\\nSubject: requiretls\\r\\n\\r\\nconfidential\\r\\n' % (sender, rcpt)
            try:
                s.sendmail(sender, [rcpt], msg, mail_options=['REQUIRETLS'])
                print('sent')
            except smtplib.SMTPSenderRefused as e:
                print('refused', e.smtp_code, e.smtp_error.decode())
            except smtplib.SMTPDataError as e:
                print('data', e.smtp_code, e.smtp_error.decode())
            s.quit()
            """;

    @TempDir
    Path dir;

    private TestCertificates.CertFiles listenerCert;

    @BeforeEach
    void certificates() throws Exception {
        listenerCert = TestCertificates.rsa(Files.createDirectories(dir.resolve("listener-tls")),
                TestCertificates.KeyFormat.PKCS8);
    }

    /** Listeners: plain (0) and STARTTLS (1), over {@code delivery}. */
    private TestRelay relay(Path home, String delivery) throws Exception {
        return TestRelay.start(Files.createDirectories(home), """
                hostname = "relay.cast.works"
                smtp.listen = [ { address = "127.0.0.1", port = 0, tls = none },
                                { address = "127.0.0.1", port = 0, tls = starttls } ]
                tls { certificate = "%s", private-key = "%s" }
                access.networks = [ "127.0.0.1/32" ]
                queue { retry = [ 1s ], max-age = 1h }
                %s
                """.formatted(listenerCert.certificate(), listenerCert.privateKey(), delivery));
    }

    static String smtplib(int port, String mode) throws Exception {
        ExternalTools.Run r = ExternalTools.run(List.of(ExternalTools.require("/usr/bin/python3"), "-c", SMTPLIB,
                String.valueOf(port), mode, "app@cast.works", "rcpt@example.net"), Duration.ofSeconds(60));
        assertEquals(0, r.exit(), r.output());
        return r.output();
    }

    private static ExternalTools.Run swaks(String... args) throws Exception {
        ExternalTools.require("/usr/bin/swaks");
        List<String> cmd = new java.util.ArrayList<>(List.of("swaks"));
        cmd.addAll(List.of(args));
        return ExternalTools.run(cmd, Duration.ofSeconds(60));
    }

    private static String onlyJson(TestRelay relay) throws Exception {
        try (Stream<Path> s = Files.list(relay.dir.resolve("outbox"))) {
            List<Path> json = s.filter(p -> p.toString().endsWith(".json")).toList();
            assertEquals(1, json.size(), json.toString());
            String text = Files.readString(json.get(0));
            Files.delete(json.get(0));
            return text;
        }
    }

    @Test
    void clientsSeeTheOptionOnlyOverTlsAndTheMessageIsTaggedWithIt() throws Exception {
        try (TestRelay relay = relay(dir.resolve("relay"), "")) {
            String clear = smtplib(relay.port(0), "clear");
            assertTrue(clear.contains("clear-offers False"), clear);
            assertTrue(clear.contains("refused 530 5.7.10 "), clear);

            String tls = smtplib(relay.port(1), "starttls");
            assertTrue(tls.contains("clear-offers False") && tls.contains("tls-offers True"), tls);
            assertTrue(tls.contains("sent"), tls);
            assertTrue(onlyJson(relay).contains("\"tls\": \"requiretls\""));

            ExternalTools.Run before = swaks("--server", "127.0.0.1:" + relay.port(1), "--quit-after", "EHLO");
            assertFalse(before.output().contains("REQUIRETLS"), before.output());
            ExternalTools.Run after = swaks("--server", "127.0.0.1:" + relay.port(1), "-tls", "--quit-after", "EHLO");
            assertTrue(after.output().lines().anyMatch(l -> l.matches("<~ +250[ -]REQUIRETLS")), after.output());

            ExternalTools.Run optional = swaks("--server", "127.0.0.1:" + relay.port(1), "-tls", "--from",
                    "app@cast.works", "--to", "rcpt@example.net", "--header", "From: App <app@cast.works>",
                    "--header", "TLS-Required: No");
            assertEquals(0, optional.exit(), optional.output());
            assertTrue(onlyJson(relay).contains("\"tls\": \"tls-required-no\""));
        }
    }

    static ScriptedSmtpServer sink(TestPki pki, int port, boolean offersRequireTls) throws Exception {
        ScriptedSmtpServer s = new ScriptedSmtpServer("127.0.0.1", port);
        s.tls = pki.issue("127.0.0.1").serverContext();
        s.tlsCapabilities = offersRequireTls ? List.of("REQUIRETLS") : List.of();
        return s;
    }

    private static String smarthost(int port, String tls, Path trust) {
        return """
                delivery { mode = smarthost, smarthost { host = "127.0.0.1", port = %d, tls = %s, trust-store = "%s" },
                           timeouts { connect = 2s, command = 10s, data = 10s } }
                """.formatted(port, tls, trust);
    }

    @Test
    void aVerifiedSmarthostOfferingRequireTlsGetsItOnMailFrom() throws Exception {
        TestPki pki = new TestPki();
        Path ca = pki.writeCa(dir.resolve("ca.pem"));
        try (ScriptedSmtpServer up = sink(pki, 0, true);
             TestRelay relay = relay(dir.resolve("relay"), smarthost(up.port(), "required", ca))) {
            assertTrue(smtplib(relay.port(1), "starttls").contains("sent"));
            ScriptedSmtpServer.Message m = up.messages.poll(30, TimeUnit.SECONDS);
            assertNotNull(m, "delivered within 30 s");
            assertTrue(m.mailFrom().startsWith("MAIL FROM:<app@cast.works>") && m.mailFrom().endsWith(" REQUIRETLS"),
                    m.mailFrom());
            assertEquals(List.of(true), up.encrypted);
        }
    }

    /** The DSN goes to the sender (through the same smarthost, from the null sender); the message itself does not. */
    private static String bounceOnly(ScriptedSmtpServer up) throws Exception {
        ScriptedSmtpServer.Message m = up.messages.poll(30, TimeUnit.SECONDS);
        assertNotNull(m, "a DSN within 30 s");
        assertTrue(m.mailFrom().startsWith("MAIL FROM:<>"), "only the DSN, never the message: " + m.mailFrom());
        assertEquals(List.of("app@cast.works"), m.recipients());
        assertNull(up.messages.poll(2, TimeUnit.SECONDS), "nothing else");
        String text = m.text();
        assertTrue(text.contains("Content-Type: text/rfc822-headers"), "headers only (RFC 8689 section 5)");
        assertFalse(text.contains("confidential"), "the body stays out of the DSN");
        return text;
    }

    @Test
    void aSmarthostWithoutRequireTlsGetsOnlyTheBounce() throws Exception {
        TestPki pki = new TestPki();
        Path ca = pki.writeCa(dir.resolve("ca.pem"));
        try (ScriptedSmtpServer up = sink(pki, 0, false);
             TestRelay relay = relay(dir.resolve("relay"), smarthost(up.port(), "required", ca))) {
            assertTrue(smtplib(relay.port(1), "starttls").contains("sent"));
            String dsn = bounceOnly(up);
            assertTrue(dsn.contains("Status: 5.7.30"), dsn);
        }
    }

    @Test
    void aSmarthostReachedWithoutCertificateVerificationGetsOnlyTheBounce() throws Exception {
        TestPki pki = new TestPki();
        Path ca = pki.writeCa(dir.resolve("ca.pem"));
        try (ScriptedSmtpServer up = sink(pki, 0, true);
             TestRelay relay = relay(dir.resolve("relay"), smarthost(up.port(), "opportunistic", ca))) {
            assertTrue(smtplib(relay.port(1), "starttls").contains("sent"));
            String dsn = bounceOnly(up);
            assertTrue(dsn.contains("Status: 5.7.10"), dsn);
            // The DSN of a REQUIRETLS message asks for REQUIRETLS where the hop offers it (RFC 8689 section 5).
            assertTrue(up.commands.stream().anyMatch(c -> c.startsWith("MAIL FROM:<>") && c.endsWith(" REQUIRETLS")),
                    up.commands.toString());
        }
    }

    /** Passthrough delivery carries the flag too: the client gets the smarthost's answer, or the refusal. */
    @Test
    void passthroughCarriesTheFlagAndAnswersWithTheOutcome() throws Exception {
        TestPki pki = new TestPki();
        Path ca = pki.writeCa(dir.resolve("ca.pem"));
        try (ScriptedSmtpServer offers = sink(pki, 0, true);
             TestRelay relay = relay(dir.resolve("relay"), smarthost(offers.port(), "required", ca)
                     + "delivery.passthrough = true")) {
            assertTrue(smtplib(relay.port(1), "starttls").contains("sent"));
            ScriptedSmtpServer.Message m = offers.messages.poll(30, TimeUnit.SECONDS);
            assertNotNull(m);
            assertTrue(m.mailFrom().endsWith(" REQUIRETLS"), m.mailFrom());
        }
        try (ScriptedSmtpServer lacks = sink(pki, 0, false);
             TestRelay relay = relay(dir.resolve("relay2"), smarthost(lacks.port(), "required", ca)
                     + "delivery.passthrough = true")) {
            String out = smtplib(relay.port(1), "starttls");
            assertTrue(out.contains("data 550 5.7.30 "), out);
            assertNull(lacks.messages.poll(3, TimeUnit.SECONDS), "neither the message nor a DSN: the client was told");
        }
    }

    @Test
    void theFlagSurvivesARestartWithTheMessageQueued() throws Exception {
        TestPki pki = new TestPki();
        Path ca = pki.writeCa(dir.resolve("ca.pem"));
        int port = Tools.freeTcpPort("127.0.0.1");
        Path home = dir.resolve("relay");
        try (TestRelay relay = relay(home, smarthost(port, "required", ca))) {
            assertTrue(smtplib(relay.port(1), "starttls").contains("sent"), "queued while the smarthost is down");
        }
        String id;
        try (Stream<Path> s = Files.list(home.resolve("queue"))) {
            List<String> ids = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".msg"))
                    .map(n -> n.substring(0, n.length() - 4)).toList();
            assertEquals(1, ids.size(), ids.toString());
            id = ids.get(0);
        }
        StringWriter out = new StringWriter();
        CommandLine cl = new CommandLine(new QueueCommand());
        cl.setOut(new PrintWriter(out));
        assertEquals(0, cl.execute("show", id, "--queue-dir", home.resolve("queue").toString()));
        assertTrue(out.toString().contains("tls:        requiretls\n"), out.toString());
        out.getBuffer().setLength(0);
        assertEquals(0, cl.execute("list", "--queue-dir", home.resolve("queue").toString()));
        assertTrue(out.toString().lines().anyMatch(l -> l.startsWith(id) && l.endsWith("  tls=requiretls")),
                out.toString());

        try (ScriptedSmtpServer up = sink(pki, port, true);
             TestRelay relay = relay(home, smarthost(port, "required", ca))) {
            ScriptedSmtpServer.Message m = up.messages.poll(30, TimeUnit.SECONDS);
            assertNotNull(m, "delivered within 30 s of the restart");
            assertTrue(m.mailFrom().endsWith(" REQUIRETLS"), m.mailFrom());
        }
        assertEquals(List.of(), Files.readAllLines(home.resolve("relay.conf")).stream()
                .filter(l -> l.contains("REQUIRETLS")).toList(), "the relay config is not what carried the flag");
    }
}
