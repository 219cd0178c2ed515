package works.cast.relay.server.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static works.cast.relay.server.delivery.Messages.await;
import static works.cast.relay.server.delivery.Messages.message;
import static works.cast.relay.server.delivery.Messages.plain;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import works.cast.relay.server.config.MxConfig;
import works.cast.relay.server.config.MxTlsConfig;
import works.cast.relay.server.config.OutboundTls;
import works.cast.relay.server.delivery.tls.MxTlsPolicies;
import works.cast.relay.server.delivery.tls.TlsOutcomes;
import works.cast.relay.server.delivery.tls.TlsReport;
import works.cast.relay.server.delivery.tls.TlsReportCounts;
import works.cast.relay.server.dns.DnsClient;
import works.cast.relay.server.dns.DnsServers;
import works.cast.relay.server.dns.SignedZone;
import works.cast.relay.server.message.DeliveryResult;

/**
 * DANE (RFC 7672) with a DNSSEC-signed zone served by bind9 and validated by unbound on loopback, and SMTP servers on
 * 127.0.0.51-57 and .60 whose certificates match their TLSA records or not:
 * <pre>
 * match     mx1 .51  3 1 1 (SPKI SHA-256) of a self-signed certificate for another name: delivered
 * ee512     mx7 .57  3 0 2 (full certificate SHA-512), self-signed: delivered
 * mismatch  mx2 .52  3 1 1 of another key: deferred
 * notls     mx3 .60  3 1 1, no STARTTLS: deferred, nothing sent in plaintext
 * ta        mx4 .54  2 0 1 of a private CA; the server's chain is leaf (mx4.dane.test) + CA: delivered
 * taname    mx6 .56  2 0 1 of the CA; the leaf names another host: deferred
 * unusable  mx5 .55  1 1 1 (PKIX-EE, unusable for SMTP): opportunistic, delivered
 * both      mx1 .51  as match, and an enforced MTA-STS policy (HTTPS on .59) that does not list mx1: DANE wins
 * pkix      mx8 .61  no TLSA, a certificate of the private CA for mx8.dane.test (REQUIRETLS by the signed MX)
 * </pre>
 */
class DaneDeliveryTest {

    private static final String RESOLVER = "127.0.0.58";

    private final ExecutorService io = Executors.newCachedThreadPool();
    private final List<ScriptedSmtpServer> sinks = new ArrayList<>();
    private final List<String> outcomes = new CopyOnWriteArrayList<>();
    private final TlsReportCounts counts = new TlsReportCounts(Clock.systemUTC());
    private String otherSpki;
    private X509Certificate mx1Certificate;
    private SignedZone zone;
    private com.sun.net.httpserver.HttpsServer web;
    private MxForwarder forwarder;
    private ScriptedSmtpServer mx1;
    private ScriptedSmtpServer mx2;
    private ScriptedSmtpServer mx3;
    private ScriptedSmtpServer mx4;
    private ScriptedSmtpServer mx5;
    private ScriptedSmtpServer mx6;
    private ScriptedSmtpServer mx7;
    private ScriptedSmtpServer mx8;

    @TempDir
    Path tmp;

    @BeforeEach
    void start() throws Exception {
        // 127.0.0.60, not .53, where systemd-resolved may listen
        sinks.addAll(ScriptedSmtpServer.onOnePort("127.0.0.51", "127.0.0.52", "127.0.0.60", "127.0.0.54", "127.0.0.55", "127.0.0.56", "127.0.0.57", "127.0.0.61"));
        mx1 = sinks.get(0);
        mx2 = sinks.get(1);
        mx3 = sinks.get(2);
        mx4 = sinks.get(3);
        mx5 = sinks.get(4);
        mx6 = sinks.get(5);
        mx7 = sinks.get(6);
        mx8 = sinks.get(7);
        TestPki pki = new TestPki();
        TestPki.Issued ee = TestPki.selfSigned("not-the-mx.example");
        TestPki.Issued ee512 = TestPki.selfSigned("mx7.dane.test");
        mx1.tls = ee.serverContext();
        mx1Certificate = ee.chain()[0];
        mx2.tls = TestPki.selfSigned("mx2.dane.test").serverContext();
        mx4.tls = pki.issue("mx4.dane.test").serverContext();
        mx5.tls = TestPki.selfSigned("mx5.dane.test").serverContext();
        mx6.tls = pki.issue("elsewhere.dane.test").serverContext();
        mx7.tls = ee512.serverContext();
        mx8.tls = pki.issue("mx8.dane.test").serverContext();
        web = com.sun.net.httpserver.HttpsServer.create(new java.net.InetSocketAddress(
                java.net.InetAddress.getByName("127.0.0.59"), 0), 0);
        web.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(
                pki.issue("mta-sts.both.dane.test").serverContext()));
        web.createContext("/.well-known/mta-sts.txt", exchange -> {
            byte[] body = "version: STSv1\nmode: enforce\nmx: mx.elsewhere.test\nmax_age: 86400\n"
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            exchange.getResponseHeaders().add("Content-Type", "text/plain");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        web.start();
        String port = "_" + mx1.port() + "._tcp.";
        String other = hex("SHA-256", TestPki.selfSigned("other.example").chain()[0].getPublicKey().getEncoded());
        List<String> records = new ArrayList<>();
        for (int i = 1; i <= 7; i++) {
            records.add("mx" + i + " IN A 127.0.0." + (i == 3 ? 60 : 50 + i));
        }
        records.addAll(List.of(
                "match IN MX 10 mx1", "mismatch IN MX 10 mx2", "notls IN MX 10 mx3", "ta IN MX 10 mx4",
                "unusable IN MX 10 mx5", "taname IN MX 10 mx6", "ee512 IN MX 10 mx7", "both IN MX 10 mx1",
                "_mta-sts.both IN TXT \"v=STSv1; id=1\"", "mta-sts.both IN A 127.0.0.59",
                port + "mx1 IN TLSA 3 1 1 " + spki(ee.chain()[0]),
                port + "mx2 IN TLSA 3 1 1 " + other,
                port + "mx3 IN TLSA 3 1 1 " + other,
                port + "mx4 IN TLSA 2 0 1 " + hex("SHA-256", pki.ca().getEncoded()),
                port + "mx5 IN TLSA 1 1 1 " + other,
                port + "mx6 IN TLSA 2 0 1 " + hex("SHA-256", pki.ca().getEncoded()),
                port + "mx7 IN TLSA 3 0 2 " + hex("SHA-512", ee512.chain()[0].getEncoded()),
                "mx8 IN A 127.0.0.61", "pkix IN MX 10 mx8"));
        Path dir = Files.createDirectories(tmp.resolve("dns"));
        zone = SignedZone.start(dir, "dane.test", records, RESOLVER);
        MxTlsConfig security = new MxTlsConfig(true, web.getAddress().getPort(), true,
                Optional.of(pki.writeCa(tmp.resolve("ca.pem"))));
        MxConfig config = new MxConfig(List.of(zone.server()), mx1.port(), 2, OutboundTls.OPPORTUNISTIC, true, 100,
                security);
        otherSpki = other;
        TlsOutcomes record = (domain, policy, result) -> {
            outcomes.add(domain + " " + policy.label() + " " + result.type());
            counts.record(domain, policy, result);
        };
        UpstreamSettings p = plain(Duration.ofSeconds(5));
        UpstreamSettings settings = new UpstreamSettings(p.heloName(), OutboundTls.OPPORTUNISTIC,
                UpstreamTransport.tlsContext(OutboundTls.OPPORTUNISTIC, Optional.empty()), p.credentials(), false,
                p.connectTimeout(), p.commandTimeout(), p.dataTimeout());
        DnsClient dns = new DnsClient(DnsServers.parse(List.of(zone.server())), Duration.ofSeconds(1), 2);
        forwarder = new MxForwarder(config, new LoopGuard(true, List.of("127.0.0.1")), settings,
                Duration.ofSeconds(30), io, MxTlsPolicies.of(security, dns, tmp.resolve("queue"),
                Duration.ofSeconds(5), io, Clock.systemUTC()), record);
    }

    private static String spki(X509Certificate c) throws Exception {
        return hex("SHA-256", c.getPublicKey().getEncoded());
    }

    private static String hex(String algorithm, byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(data));
    }

    @AfterEach
    void stop() throws Exception {
        if (forwarder != null) {
            forwarder.close();
        }
        for (ScriptedSmtpServer s : sinks) {
            s.close();
        }
        if (web != null) {
            web.stop(0);
        }
        if (zone != null) {
            zone.close();
        }
        io.shutdownNow();
    }

    private DeliveryResult deliver(String rcpt) throws Exception {
        Map<String, DeliveryResult> r = await(forwarder, message("Subject: t\r\n\r\nx\r\n", rcpt));
        return r.get(rcpt);
    }

    @Test
    void daneEeMatchDeliversOverTlsWhateverTheNameAndIssuer() throws Exception {
        DeliveryResult r = deliver("a@match.dane.test");
        assertInstanceOf(DeliveryResult.Delivered.class, r, r.toString());
        assertEquals(List.of(true), mx1.encrypted);
        assertEquals(List.of("match.dane.test dane success"), outcomes);
    }

    /**
     * The TLS report of DANE sessions (RFC 8460 section 4.4): the TLSA records in presentation form and the MX host as
     * the policy, each failed session with the relay's and the server's address, the MX host, its EHLO name and why.
     */
    @Test
    void aTlsReportShowsTheTlsaRecordsAndEachFailedSession() throws Exception {
        assertInstanceOf(DeliveryResult.Deferred.class, deliver("a@mismatch.dane.test"));
        assertInstanceOf(DeliveryResult.Deferred.class, deliver("b@mismatch.dane.test"));
        assertInstanceOf(DeliveryResult.Deferred.class, deliver("a@notls.dane.test"));
        assertInstanceOf(DeliveryResult.Delivered.class, deliver("a@match.dane.test"));
        Map<String, String> reports = new java.util.HashMap<>();
        for (var e : counts.takeBefore(java.time.LocalDate.now(java.time.ZoneOffset.UTC).plusDays(1))) {
            reports.put(e.getKey().domain() + " " + e.getKey().policy().label(), TlsReport.json("cast.works",
                    "tlsrpt@cast.works", "r1", e.getKey().day(), e.getKey().domain(),
                    Map.of(e.getKey().policy(), e.getValue())));
        }
        assertEquals(java.util.Set.of("mismatch.dane.test dane", "notls.dane.test dane", "match.dane.test dane"),
                reports.keySet());
        assertEquals(List.of("policy tlsa mismatch.dane.test [\"3 1 1 " + otherSpki.toUpperCase(java.util.Locale.ROOT)
                        + "\"] [\"mx2.dane.test\"] 0 2",
                "detail validation-failure sip=127.0.0.1 mx=mx2.dane.test helo=sink.test rip=127.0.0.52 n=2"
                        + " reason=no TLSA record [3 1 1] matches the certificate"),
                TlsReportJson.lines(tmp, reports.get("mismatch.dane.test dane")));
        List<String> notls = TlsReportJson.lines(tmp, reports.get("notls.dane.test dane"));
        assertEquals(2, notls.size(), notls.toString());
        assertTrue(notls.get(0).startsWith("policy tlsa notls.dane.test [\"3 1 1 "), notls.toString());
        assertTrue(notls.get(1).matches("detail starttls-not-supported sip=127\\.0\\.0\\.1 mx=mx3\\.dane\\.test"
                + " helo=sink\\.test rip=127\\.0\\.0\\.60 n=1 reason=.*STARTTLS not offered"), notls.toString());
        assertEquals(List.of("policy tlsa match.dane.test [\"3 1 1 " + spki(mx1Certificate).toUpperCase(
                java.util.Locale.ROOT) + "\"] [\"mx1.dane.test\"] 1 0"),
                TlsReportJson.lines(tmp, reports.get("match.dane.test dane")));
    }

    @Test
    void daneEeMatchesAFullCertificateBySha512() throws Exception {
        DeliveryResult r = deliver("a@ee512.dane.test");
        assertInstanceOf(DeliveryResult.Delivered.class, r, r.toString());
        assertEquals(List.of(true), mx7.encrypted);
    }

    @Test
    void aCertificateMatchingNoTlsaRecordDefers() throws Exception {
        DeliveryResult r = deliver("a@mismatch.dane.test");
        assertInstanceOf(DeliveryResult.Deferred.class, r, r.toString());
        assertTrue(r.reply().summary().startsWith("451 4.7.5"), r.toString());
        assertTrue(mx2.messages.isEmpty());
        assertEquals(List.of("mismatch.dane.test dane validation-failure"), outcomes);
    }

    @Test
    void noStartTlsUnderDaneDefersWithoutPlaintext() throws Exception {
        DeliveryResult r = deliver("a@notls.dane.test");
        assertInstanceOf(DeliveryResult.Deferred.class, r, r.toString());
        assertFalse(mx3.commands.stream().anyMatch(c -> c.startsWith("MAIL")), mx3.commands.toString());
        assertEquals(List.of("notls.dane.test dane starttls-not-supported"), outcomes);
    }

    @Test
    void daneTaWithTheRightNameDelivers() throws Exception {
        DeliveryResult r = deliver("a@ta.dane.test");
        assertInstanceOf(DeliveryResult.Delivered.class, r, r.toString());
        assertEquals(List.of(true), mx4.encrypted);
        assertEquals(List.of("ta.dane.test dane success"), outcomes);
    }

    @Test
    void daneTaChecksTheName() throws Exception {
        DeliveryResult r = deliver("a@taname.dane.test");
        assertInstanceOf(DeliveryResult.Deferred.class, r, r.toString());
        assertTrue(mx6.messages.isEmpty());
        assertEquals(List.of("taname.dane.test dane certificate-host-mismatch"), outcomes);
    }

    @Test
    void daneTakesPrecedenceOverAnEnforcedMtaStsPolicy() throws Exception {
        DeliveryResult r = deliver("a@both.dane.test");
        assertInstanceOf(DeliveryResult.Delivered.class, r, r.toString());
        assertEquals(List.of(true), mx1.encrypted);
        assertEquals(List.of("both.dane.test dane success"), outcomes);
        assertTrue(Files.exists(tmp.resolve("queue/mta-sts/both.dane.test.policy")), "the policy was fetched");
    }

    @Test
    void onlyUnusableTlsaRecordsMeanOpportunisticTls() throws Exception {
        DeliveryResult r = deliver("a@unusable.dane.test");
        assertInstanceOf(DeliveryResult.Delivered.class, r, r.toString());
        assertEquals(List.of("unusable.dane.test none success"), outcomes);
    }

    private DeliveryResult deliver(works.cast.relay.core.mail.TlsRequirement tls, String rcpt) throws Exception {
        OutboundMessage m = message("Subject: t\r\n\r\nx\r\n", rcpt);
        return await(forwarder, new OutboundMessage(m.id(), m.reversePath(), m.recipients(), m.size(), false, false,
                m.content(), tls)).get(rcpt);
    }

    /** RFC 8689 section 4.2.1: DANE authenticates the host for a REQUIRETLS message, which it passes on. */
    @Test
    void requireTlsGoesToAHostMatchingItsTlsaRecordsThatOffersIt() throws Exception {
        mx1.tlsCapabilities = List.of("REQUIRETLS");
        DeliveryResult r = deliver(works.cast.relay.core.mail.TlsRequirement.REQUIRED, "a@match.dane.test");
        assertInstanceOf(DeliveryResult.Delivered.class, r, r.toString());
        assertTrue(mx1.next(Duration.ofSeconds(5)).mailFrom().endsWith(" REQUIRETLS"));
    }

    @Test
    void requireTlsToAHostMatchingNoTlsaRecordFails() throws Exception {
        mx2.tlsCapabilities = List.of("REQUIRETLS");
        DeliveryResult r = deliver(works.cast.relay.core.mail.TlsRequirement.REQUIRED, "a@mismatch.dane.test");
        assertInstanceOf(DeliveryResult.Failed.class, r, r.toString());
        assertTrue(r.reply().summary().startsWith("550 5.7.10 "), r.toString());
        assertFalse(mx2.commands.stream().anyMatch(c -> c.startsWith("MAIL")), mx2.commands.toString());
    }

    /** A DNSSEC-validated MX answer vouches for the host name; the certificate must then verify for it (PKIX). */
    @Test
    void requireTlsWithASignedMxAndACertificateForTheHostIsDelivered() throws Exception {
        mx8.tlsCapabilities = List.of("REQUIRETLS");
        DeliveryResult r = deliver(works.cast.relay.core.mail.TlsRequirement.REQUIRED, "a@pkix.dane.test");
        assertInstanceOf(DeliveryResult.Delivered.class, r, r.toString());
        assertTrue(mx8.next(Duration.ofSeconds(5)).mailFrom().endsWith(" REQUIRETLS"));
    }

    @Test
    void requireTlsWithASignedMxAndASelfSignedCertificateFails() throws Exception {
        mx5.tlsCapabilities = List.of("REQUIRETLS");
        DeliveryResult r = deliver(works.cast.relay.core.mail.TlsRequirement.REQUIRED, "a@unusable.dane.test");
        assertInstanceOf(DeliveryResult.Failed.class, r, r.toString());
        assertTrue(r.reply().summary().startsWith("550 5.7.10 "), r.toString());
        assertTrue(mx5.messages.isEmpty());
        assertEquals(List.of(), outcomes, "no receiver policy failed, so TLS reports do not hear of it");
    }

    /** RFC 8689 section 4.2.2: TLS-Required: No ignores DANE, whose mismatch defers other mail. */
    @Test
    void tlsRequiredNoIsDeliveredDespiteATlsaMismatch() throws Exception {
        DeliveryResult r = deliver(works.cast.relay.core.mail.TlsRequirement.OPTIONAL, "a@mismatch.dane.test");
        assertInstanceOf(DeliveryResult.Delivered.class, r, r.toString());
        assertEquals(List.of(true), mx2.encrypted, "opportunistic TLS still");
    }
}
