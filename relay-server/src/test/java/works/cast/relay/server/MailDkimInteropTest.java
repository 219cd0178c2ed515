package works.cast.relay.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import works.cast.relay.core.interop.Corpus;
import works.cast.relay.core.interop.NamedMessage;
import works.cast.relay.core.keys.DnsTxtRecord;
import works.cast.relay.core.keys.SelectorKey;
import works.cast.relay.server.dns.Dnsmasq;
import works.cast.relay.server.smtp.ExternalTools;

/**
 * A second independent verifier: Perl's Mail::DKIM checks what the running relay signed (both domains, every corpus
 * message SMTP can carry), with the keys served by a real DNS server on loopback. Debian 12's Mail::DKIM does not know
 * Ed25519 and ignores those signatures, as RFC 6376 says a verifier must; the RSA signature beside it passes. That is
 * why the relay never signs with Ed25519 alone.
 */
class MailDkimInteropTest {

    @TempDir
    Path dir;

    @Test
    void relayOutputVerifiesInMailDkim() throws Exception {
        ExternalTools.require("/usr/bin/perl");
        Process probe = new ProcessBuilder("/usr/bin/perl", "-MMail::DKIM::Verifier", "-e", "1")
                .redirectErrorStream(true).start();
        boolean present = probe.waitFor(30, TimeUnit.SECONDS) && probe.exitValue() == 0;
        if (!present) {
            ExternalTools.require("/usr/share/perl5/Mail/DKIM/Verifier.pm (libmail-dkim-perl)");
        }
        Path script = dir.resolve("maildkim_verify.pl");
        try (InputStream in = getClass().getResourceAsStream("/interop/maildkim_verify.pl")) {
            Files.copy(in, script);
        }
        try (TestRelay relay = TestRelay.start(Files.createDirectories(dir.resolve("relay")), "")) {
            List<Dnsmasq.Txt> records = new ArrayList<>();
            for (SelectorKey k : relay.keys().all()) {
                records.add(new Dnsmasq.Txt(DnsTxtRecord.owner(k.selector(), k.domain().name()),
                        DnsTxtRecord.split(DnsTxtRecord.value(k.key()))));
            }
            int sent = 0;
            for (NamedMessage m : Corpus.smtpSafe()) {
                try (SmtpTestClient c = new SmtpTestClient(relay.port())) {
                    c.hello();
                    String text = new String(m.bytes(), StandardCharsets.ISO_8859_1);
                    String stuffed = text.replace("\r\n.", "\r\n..");
                    if (stuffed.startsWith(".")) {
                        stuffed = "." + stuffed;
                    }
                    String r = c.send("app@cast.works", "rcpt@example.net", stuffed);
                    assertTrue(r.startsWith("250"), m.name() + ": " + r);
                    sent++;
                }
            }
            List<Path> out = relay.outbox();
            assertEquals(sent, out.size());
            try (Dnsmasq dns = Dnsmasq.start(records, List.of("cast.works", "castworks.co.jp"))) {
                List<String> cmd = new ArrayList<>(List.of("/usr/bin/perl", script.toString(), Dnsmasq.ADDRESS,
                        String.valueOf(dns.port())));
                out.forEach(p -> cmd.add(p.toString()));
                Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
                String report = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(p.waitFor(120, TimeUnit.SECONDS));
                assertEquals(0, p.exitValue(), report);
                assertEquals(sent, report.lines().filter(l -> l.endsWith("a=rsa-sha256 pass")).count(), report);
                assertTrue(report.lines().filter(l -> l.contains("a=ed25519-sha256"))
                        .allMatch(l -> l.endsWith(" pass") || l.endsWith("(unsupported algorithm ed25519-sha256)")), report);
            }
        }
    }
}
