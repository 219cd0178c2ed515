package works.cast.relay.server.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import works.cast.relay.core.interop.Dkimpy;
import works.cast.relay.core.interop.VerifyOutcome;
import works.cast.relay.core.keys.DnsTxtRecord;
import works.cast.relay.core.keys.SelectorKey;
import works.cast.relay.server.SmtpTestClient;
import works.cast.relay.server.TestRelay;
import works.cast.relay.server.dns.Dnsmasq;
import works.cast.relay.server.smtp.ExternalTools;

/**
 * A bounce the relay writes comes from MAILER-DAEMON of the relay's own domain, from the null sender, and carries
 * that domain's signatures, which dkimpy and Mail::DKIM verify: it passes DMARC like the mail it reports on.
 */
class SignedBounceTest {

    @TempDir
    Path dir;

    @Test
    void bounceIsSignedByTheRelaysOwnDomainAndVerifies() throws Exception {
        try (ScriptedSmtpServer upstream = new ScriptedSmtpServer();
             TestRelay relay = TestRelay.start(Files.createDirectories(dir.resolve("relay")), """
                     hostname = "relay.cast.works"
                     delivery { mode = smarthost, smarthost { host = "127.0.0.1", port = %d, tls = none },
                                timeouts { connect = 2s, command = 10s, data = 10s } }
                     queue { retry = [ 1s ], max-age = 1h }
                     """.formatted(upstream.port()))) {
            upstream.rcptReply = r -> r.contains("bad@") ? "550 5.1.1 no such user" : "250 2.1.5 Ok";
            try (SmtpTestClient c = new SmtpTestClient(relay.port())) {
                c.hello();
                assertTrue(c.send("app@castworks.co.jp", "bad@example.net",
                        "From: app@castworks.co.jp\r\nTo: bad@example.net\r\nSubject: x\r\n\r\nbody\r\n").startsWith("250"));
            }
            ScriptedSmtpServer.Message bounce = upstream.messages.poll(30, TimeUnit.SECONDS);
            assertNotNull(bounce, "no bounce within 30 s");
            assertTrue(bounce.mailFrom().startsWith("MAIL FROM:<>"), bounce.mailFrom());
            String text = new String(bounce.content(), StandardCharsets.ISO_8859_1);
            assertTrue(text.contains("From: Mail Delivery System <MAILER-DAEMON@cast.works>"), text);
            VerifyOutcome o = Dkimpy.create().verify(bounce.content(), relay.dnsRecords());
            assertTrue(o.allPass(), o::describe);
            assertEquals(2, o.signatures().size(), "RSA and Ed25519");
            o.signatures().forEach(s -> assertEquals("cast.works", s.domain()));
            assertEquals("", mailDkim(relay, bounce.content()));
        }
    }

    /**
     * relay.bounce.sign-as picks the domain of MAILER-DAEMON and of the signatures; with passthrough delivery, a
     * recipient refused while another was accepted gets the same report. A relay whose hostname is in no signing
     * domain sends its reports unsigned from MAILER-DAEMON@<hostname>. Always from the null sender.
     */
    @Test
    void signAsAndTheHostnameFallbackNameMailerDaemonsDomain() throws Exception {
        ScriptedSmtpServer.Message signed = bounce("relay.cast.works", "bounce.sign-as = \"castworks.co.jp\"\n"
                + "delivery.passthrough = true", "good@example.net");
        assertTrue(signed.mailFrom().startsWith("MAIL FROM:<>"), signed.mailFrom());
        String text = new String(signed.content(), StandardCharsets.ISO_8859_1);
        assertTrue(text.contains("From: Mail Delivery System <MAILER-DAEMON@castworks.co.jp>"), text);
        String signedHeader = text.substring(0, text.indexOf("\r\n\r\n"));
        assertTrue(signedHeader.startsWith("DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=castworks.co.jp;"),
                signedHeader);

        ScriptedSmtpServer.Message unsigned = bounce("relay.test", "", "");
        assertTrue(unsigned.mailFrom().startsWith("MAIL FROM:<>"), unsigned.mailFrom());
        String plain = new String(unsigned.content(), StandardCharsets.ISO_8859_1);
        assertTrue(plain.contains("From: Mail Delivery System <MAILER-DAEMON@relay.test>"), plain);
        String header = plain.substring(0, plain.indexOf("\r\n\r\n"));
        assertTrue(!header.contains("DKIM-Signature:"), "the report itself is unsigned:\n" + header);
    }

    /** The report the relay sends upstream for bad@example.net (and also: another recipient the upstream takes). */
    private ScriptedSmtpServer.Message bounce(String hostname, String extra, String also) throws Exception {
        Path relayDir = Files.createDirectories(dir.resolve(hostname));
        try (ScriptedSmtpServer upstream = new ScriptedSmtpServer();
             TestRelay relay = TestRelay.start(relayDir, """
                     hostname = "%s"
                     delivery { mode = smarthost, smarthost { host = "127.0.0.1", port = %d, tls = none },
                                timeouts { connect = 2s, command = 10s, data = 10s } }
                     queue { retry = [ 1s ], max-age = 1h }
                     %s
                     """.formatted(hostname, upstream.port(), extra))) {
            upstream.rcptReply = r -> r.contains("bad@") ? "550 5.1.1 no such user" : "250 2.1.5 Ok";
            try (SmtpTestClient c = new SmtpTestClient(relay.port())) {
                c.hello();
                String body = "From: app@castworks.co.jp\r\nTo: bad@example.net\r\nSubject: x\r\n\r\nbody\r\n";
                if (also.isEmpty()) {
                    assertTrue(c.send("app@castworks.co.jp", "bad@example.net", body).startsWith("250"));
                } else {
                    c.write("MAIL FROM:<app@castworks.co.jp>\r\nRCPT TO:<bad@example.net>\r\nRCPT TO:<" + also
                            + ">\r\nDATA\r\n");
                    for (String expected : List.of("250", "250", "250", "354")) {
                        String reply = c.reply();
                        assertTrue(reply.startsWith(expected), reply);
                    }
                    c.write(body + ".\r\n");
                    String reply = c.reply();
                    assertTrue(reply.startsWith("250"), reply);
                }
            }
            for (int i = 0; i < 3; i++) {
                ScriptedSmtpServer.Message m = upstream.messages.poll(30, TimeUnit.SECONDS);
                assertNotNull(m, "no bounce within 30 s");
                if (m.mailFrom().startsWith("MAIL FROM:<>")) {
                    return m;
                }
            }
            throw new AssertionError("no message from the null sender");
        }
    }

    /** Mail::DKIM's verdicts with keys served by dnsmasq on loopback; empty when every RSA signature passes. */
    private String mailDkim(TestRelay relay, byte[] message) throws Exception {
        ExternalTools.require("/usr/bin/perl");
        Path script = dir.resolve("maildkim_verify.pl");
        try (InputStream in = getClass().getResourceAsStream("/interop/maildkim_verify.pl")) {
            Files.copy(in, script);
        }
        Path file = dir.resolve("bounce.eml");
        Files.write(file, message);
        List<Dnsmasq.Txt> records = new ArrayList<>();
        for (SelectorKey k : relay.keys().all()) {
            records.add(new Dnsmasq.Txt(DnsTxtRecord.owner(k.selector(), k.domain().name()),
                    DnsTxtRecord.split(DnsTxtRecord.value(k.key()))));
        }
        try (Dnsmasq dns = Dnsmasq.start(records, List.of("cast.works", "castworks.co.jp"))) {
            Process p = new ProcessBuilder("/usr/bin/perl", script.toString(), Dnsmasq.ADDRESS,
                    String.valueOf(dns.port()), file.toString()).redirectErrorStream(true).start();
            String report = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), report);
            assertTrue(report.lines().anyMatch(l -> l.endsWith("a=rsa-sha256 pass")), report);
            return report.lines().filter(l -> l.contains("a=rsa-sha256") && !l.endsWith(" pass"))
                    .reduce("", (a, b) -> a + b + "\n");
        }
    }
}
