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
