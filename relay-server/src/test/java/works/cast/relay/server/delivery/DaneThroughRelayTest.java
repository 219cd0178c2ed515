package works.cast.relay.server.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.BindException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import works.cast.relay.server.SmtpTestClient;
import works.cast.relay.server.TestRelay;
import works.cast.relay.server.dns.SignedZone;

/**
 * The running relay in {@code delivery.mode = mx} with DANE and TLS reports on, resolving through unbound in front of
 * a signed bind9 zone: mail to a host whose certificate matches its TLSA record is delivered over TLS, mail to one
 * whose certificate does not stays queued, and both outcomes show in {@code dkim_relay_delivery_tls_total}.
 */
class DaneThroughRelayTest {

    @TempDir
    Path dir;

    @Test
    void daneDecidesDeliveryAndIsCounted() throws Exception {
        ScriptedSmtpServer good = null;
        ScriptedSmtpServer bad = null;
        for (int attempt = 0; bad == null; attempt++) {
            good = new ScriptedSmtpServer("127.0.0.61", 0);
            try {
                bad = new ScriptedSmtpServer("127.0.0.62", good.port());
            } catch (BindException e) {
                good.close();
                if (attempt == 5) {
                    throw e;
                }
            }
        }
        TestPki.Issued cert = TestPki.selfSigned("mx1.relay.dane.test");
        good.tls = cert.serverContext();
        bad.tls = TestPki.selfSigned("mx2.relay.dane.test").serverContext();
        String tlsa = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(cert.chain()[0].getPublicKey().getEncoded()));
        String port = "_" + good.port() + "._tcp.";
        ScriptedSmtpServer goodSink = good;
        ScriptedSmtpServer badSink = bad;
        try (goodSink; badSink;
             SignedZone zone = SignedZone.start(Files.createDirectories(dir.resolve("dns")), "dane.test", List.of(
                     "good.relay IN MX 10 mx1.relay", "bad.relay IN MX 10 mx2.relay",
                     "mx1.relay IN A 127.0.0.61", "mx2.relay IN A 127.0.0.62",
                     port + "mx1.relay IN TLSA 3 1 1 " + tlsa, port + "mx2.relay IN TLSA 3 1 1 " + tlsa),
                     "127.0.0.63");
             TestRelay relay = TestRelay.start(Files.createDirectories(dir.resolve("relay")), """
                     dns.servers = [ "%s" ]
                     http.enabled = true
                     delivery { mode = mx, timeouts { connect = 2s, command = 10s, data = 10s },
                                mx { port = %d, allow-loopback = true, mta-sts.enabled = false,
                                     tls-rpt { enabled = true, from = "tlsrpt@cast.works" } } }
                     queue { retry = [ 1s ], max-age = 1h }
                     """.formatted(zone.server(), good.port()))) {
            try (SmtpTestClient c = new SmtpTestClient(relay.port())) {
                c.hello();
                assertTrue(c.send("app@cast.works", "a@good.relay.dane.test",
                        "From: app@cast.works\r\nTo: a@good.relay.dane.test\r\nSubject: x\r\n\r\nbody\r\n")
                        .startsWith("250"));
                assertTrue(c.send("app@cast.works", "b@bad.relay.dane.test",
                        "From: app@cast.works\r\nTo: b@bad.relay.dane.test\r\nSubject: x\r\n\r\nbody\r\n")
                        .startsWith("250"));
            }
            assertEquals(List.of("a@good.relay.dane.test"), good.next(Duration.ofSeconds(30)).recipients());
            assertEquals(List.of(true), good.encrypted);
            String failure = "dkim_relay_delivery_tls_total{policy=\"dane\",result=\"validation-failure\"}";
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            String scrape = relay.relay.metrics().scrape();
            while (!scrape.contains(failure) && System.nanoTime() < deadline) {
                Thread.sleep(100);
                scrape = relay.relay.metrics().scrape();
            }
            assertTrue(scrape.contains("dkim_relay_delivery_tls_total{policy=\"dane\",result=\"success\"} 1.0"),
                    scrape);
            assertTrue(scrape.contains(failure), scrape);
            assertTrue(bad.messages.isEmpty(), "nothing delivered to the mismatching host");
        }
        // the day's counts, not reported yet, survive the stop for the next start
        List<String> saved = Files.readAllLines(dir.resolve("relay/queue/tls-rpt/counts.txt"));
        assertTrue(saved.stream().anyMatch(l -> l.matches("\\d{4}-\\d\\d-\\d\\d good\\.relay\\.dane\\.test dane 1")), saved.toString());
        assertTrue(saved.stream().anyMatch(l -> l.matches(".* bad\\.relay\\.dane\\.test dane 0 validation-failure=\\d+")),
                saved.toString());
        // with the failed sessions' details and the TLSA records, for the report of the day
        String n = saved.stream().filter(l -> l.matches(".* bad\\.relay\\.dane\\.test dane 0 validation-failure=\\d+"))
                .findFirst().orElseThrow().replaceAll(".*=", "");
        assertTrue(saved.stream().anyMatch(l -> l.matches("\\S+ bad\\.relay\\.dane\\.test dane \\+row validation-failure "
                + n + " sending-mta-ip=127\\.0\\.0\\.1 receiving-mx-hostname=mx2\\.relay\\.dane\\.test"
                + " receiving-ip=127\\.0\\.0\\.62 receiving-mx-helo=sink\\.test failure-reason-code=no\\+TLSA\\+record.*")),
                saved.toString());
        assertTrue(saved.stream().anyMatch(l -> l.matches("\\S+ bad\\.relay\\.dane\\.test dane \\+policy-string 3\\+1\\+1\\+"
                + tlsa.toUpperCase(java.util.Locale.ROOT))), saved.toString());
        assertTrue(saved.stream().anyMatch(l -> l.matches("\\S+ good\\.relay\\.dane\\.test dane \\+mx-host"
                + " mx1\\.relay\\.dane\\.test")), saved.toString());
    }
}
