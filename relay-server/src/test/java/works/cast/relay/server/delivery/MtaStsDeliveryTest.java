package works.cast.relay.server.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static works.cast.relay.server.delivery.Messages.await;
import static works.cast.relay.server.delivery.Messages.message;
import static works.cast.relay.server.delivery.Messages.plain;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
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
import works.cast.relay.server.delivery.tls.TlsReportCounts;
import works.cast.relay.server.delivery.tls.TlsReporter;
import works.cast.relay.server.dns.DnsClient;
import works.cast.relay.server.dns.Dnsmasq;
import works.cast.relay.server.dns.DnsServers;
import works.cast.relay.server.message.DeliveryResult;

/**
 * MTA-STS (RFC 8461) with real peers on loopback: dnsmasq for the MX, {@code _mta-sts} TXT and policy host records,
 * a JDK HTTPS server with a certificate of a private CA serving the policies, and SMTP servers presenting a
 * certificate of that CA (127.0.0.41), a self-signed one (.42), none (.43, no STARTTLS) and one for another name
 * (.44) and an expired one (.45). The CA is trusted through {@code delivery.mx.trust-store}.
 */
class MtaStsDeliveryTest {

    private static final String DNS = "127.0.0.39";
    private static final String WEB = "127.0.0.40";

    private final ExecutorService io = Executors.newCachedThreadPool();
    private final List<ScriptedSmtpServer> sinks = new ArrayList<>();
    private final List<String> outcomes = new CopyOnWriteArrayList<>();
    private final java.util.concurrent.atomic.AtomicReference<java.time.Instant> now =
            new java.util.concurrent.atomic.AtomicReference<>(java.time.Instant.parse("2026-12-03T10:00:00Z"));
    private final Clock clock = new Clock() {
        @Override
        public java.time.ZoneId getZone() {
            return java.time.ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public java.time.Instant instant() {
            return now.get();
        }
    };
    private final TlsReportCounts counts = new TlsReportCounts(clock);
    private final List<String> uploads = new CopyOnWriteArrayList<>();
    private final List<byte[]> uploaded = new CopyOnWriteArrayList<>();
    private TestPki pki;
    private Process dnsmasq;
    private HttpsServer web;
    private MxForwarder forwarder;
    private ScriptedSmtpServer good;
    private ScriptedSmtpServer selfSigned;
    private ScriptedSmtpServer noTls;
    private ScriptedSmtpServer wrongName;
    private ScriptedSmtpServer expired;
    private int dnsPort;
    private int webPort;
    private Path trustStore;

    @TempDir
    Path tmp;

    @BeforeEach
    void start() throws Exception {
        String dnsmasqPath = Tools.require("/usr/sbin/dnsmasq");
        pki = new TestPki();
        trustStore = pki.writeCa(tmp.resolve("ca.pem"));
        sinks.addAll(ScriptedSmtpServer.onOnePort("127.0.0.41", "127.0.0.42", "127.0.0.43", "127.0.0.44", "127.0.0.45"));
        good = sinks.get(0);
        selfSigned = sinks.get(1);
        noTls = sinks.get(2);
        wrongName = sinks.get(3);
        expired = sinks.get(4);
        good.tls = pki.issue("mx.good.test", "mx.other.test").serverContext();
        selfSigned.tls = TestPki.selfSigned("mx.selfsigned.test", "mx.testing.test").serverContext();
        wrongName.tls = pki.issue("somewhere.else.test").serverContext();
        expired.tls = pki.issueExpired("mx.expired.test").serverContext();

        web = HttpsServer.create(new InetSocketAddress(InetAddress.getByName(WEB), 0), 0);
        web.setHttpsConfigurator(new HttpsConfigurator(pki.issue("mta-sts.good.test", "mta-sts.selfsigned.test",
                "mta-sts.nomatch.test", "mta-sts.nostarttls.test", "mta-sts.wrongname.test", "mta-sts.testing.test",
                "mta-sts.redirect.test", "mta-sts.expired.test", "reports.testing.test").serverContext()));
        web.createContext("/tlsrpt/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            uploads.add(exchange.getRequestMethod() + " " + exchange.getRequestURI() + " "
                    + exchange.getRequestHeaders().getFirst("Content-Type"));
            uploaded.add(body);
            exchange.sendResponseHeaders(exchange.getRequestURI().getPath().endsWith("/broken") ? 500 : 201, -1);
            exchange.close();
        });
        web.createContext("/.well-known/mta-sts.txt", exchange -> {
            String host = exchange.getRequestHeaders().getFirst("Host").replaceAll(":.*", "");
            String domain = host.substring("mta-sts.".length());
            if (domain.equals("redirect.test")) {
                exchange.getResponseHeaders().add("Location", "https://elsewhere.test/");
                exchange.sendResponseHeaders(301, -1);
                exchange.close();
                return;
            }
            String mode = domain.equals("testing.test") ? "testing" : "enforce";
            String mx = switch (domain) {
                case "good.test" -> "*.good.test";
                case "nomatch.test" -> "mx.nomatch.test";
                default -> "mx." + domain;
            };
            byte[] body = ("version: STSv1\r\nmode: " + mode + "\r\nmx: " + mx + "\r\nmax_age: 86400\r\n")
                    .getBytes(StandardCharsets.US_ASCII);
            exchange.getResponseHeaders().add("Content-Type", "text/plain");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        web.start();
        webPort = web.getAddress().getPort();

        dnsPort = Tools.freeUdpPort(DNS);
        List<String> cmd = new ArrayList<>(List.of(dnsmasqPath, "--no-daemon", "--port=" + dnsPort,
                "--listen-address=" + DNS, "--bind-interfaces", "--no-resolv", "--no-hosts", "--conf-file=/dev/null",
                "--local=/test/",
                "--host-record=mx.good.test,127.0.0.41", "--host-record=mx.other.test,127.0.0.41",
                "--host-record=mx.selfsigned.test,127.0.0.42", "--host-record=mx.testing.test,127.0.0.42",
                "--host-record=mx.nostarttls.test,127.0.0.43", "--host-record=mx.plain.test,127.0.0.43",
                "--host-record=mx.wrongname.test,127.0.0.44", "--host-record=mx.expired.test,127.0.0.45",
                "--mx-host=expired.test,mx.expired.test,10",
                "--mx-host=good.test,mx.good.test,10", "--mx-host=selfsigned.test,mx.selfsigned.test,10",
                "--mx-host=nomatch.test,mx.other.test,10", "--mx-host=nostarttls.test,mx.nostarttls.test,10",
                "--mx-host=wrongname.test,mx.wrongname.test,10", "--mx-host=testing.test,mx.testing.test,10",
                "--mx-host=plain.test,mx.plain.test,10", "--mx-host=redirect.test,mx.plain.test,10"));
        for (String d : List.of("good", "selfsigned", "nomatch", "nostarttls", "wrongname", "testing", "redirect",
                "expired")) {
            cmd.add("--txt-record=_mta-sts." + d + ".test,v=STSv1; id=20261204");
            cmd.add("--host-record=mta-sts." + d + ".test," + WEB);
        }
        cmd.add("--txt-record=_smtp._tls.selfsigned.test,v=TLSRPTv1; rua=mailto:tls-reports@selfsigned.test");
        cmd.add("--txt-record=_smtp._tls.good.test,v=TLSRPTv1;rua=mailto:rpt@good.test");
        cmd.add("--host-record=reports.testing.test," + WEB);
        cmd.add("--txt-record=_smtp._tls.testing.test,v=TLSRPTv1; rua=https://reports.testing.test:" + webPort
                + "/tlsrpt/v1");
        cmd.add("--txt-record=_smtp._tls.nostarttls.test,v=TLSRPTv1; rua=https://reports.testing.test:" + webPort
                + "/tlsrpt/broken");
        dnsmasq = Tools.start(cmd, tmp.resolve("dnsmasq.log"));
        Dnsmasq.awaitAnswer(dns(), "mx.good.test");
        forwarder = forwarder();
    }

    private DnsClient dns() {
        return new DnsClient(DnsServers.parse(List.of(DNS + ":" + dnsPort)), Duration.ofMillis(500), 2);
    }

    private MxForwarder forwarder() throws Exception {
        MxTlsConfig security = new MxTlsConfig(true, webPort, false, Optional.of(trustStore),
                Optional.of("tlsrpt@cast.works"));
        MxConfig config = new MxConfig(List.of(DNS + ":" + dnsPort), good.port(), 2, OutboundTls.OPPORTUNISTIC, true,
                100, security);
        TlsOutcomes record = (domain, policy, result) -> {
            outcomes.add(domain + " " + policy.label() + " " + result.type());
            counts.record(domain, policy, result);
        };
        UpstreamSettings p = plain(Duration.ofSeconds(5));
        UpstreamSettings settings = new UpstreamSettings(p.heloName(), OutboundTls.OPPORTUNISTIC,
                UpstreamTransport.tlsContext(OutboundTls.OPPORTUNISTIC, Optional.empty()), p.credentials(), false,
                p.connectTimeout(), p.commandTimeout(), p.dataTimeout());
        return new MxForwarder(config, new LoopGuard(true, List.of("127.0.0.1")), settings, Duration.ofSeconds(30), io,
                MxTlsPolicies.of(security, dns(), tmp.resolve("queue"), Duration.ofSeconds(5), io, Clock.systemUTC()),
                record);
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
        Tools.stop(dnsmasq);
        io.shutdownNow();
    }

    private DeliveryResult deliver(String rcpt) throws Exception {
        Map<String, DeliveryResult> r = await(forwarder, message("Subject: t\r\n\r\nx\r\n", rcpt));
        return r.get(rcpt);
    }

    @Test
    void enforceWithAGoodCertificateDeliversOverTls() throws Exception {
        ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory
                .getLogger(MxForwarder.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> lines =
                new ch.qos.logback.core.read.ListAppender<>();
        lines.start();
        logger.addAppender(lines);
        DeliveryResult r;
        try {
            r = deliver("a@good.test");
        } finally {
            logger.detachAppender(lines);
        }
        assertTrue(lines.list.stream().map(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage)
                .anyMatch(l -> l.startsWith("forwarded id=") && l.contains("to=\"mx good.test\" policy=sts tls=TLSv1.3 ")),
                lines.list.toString());
        assertInstanceOf(DeliveryResult.Delivered.class, r, r.toString());
        assertEquals(List.of("a@good.test"), good.next(Duration.ofSeconds(5)).recipients());
        assertEquals(List.of(true), good.encrypted);
        assertTrue(outcomes.contains("good.test sts success"), outcomes.toString());
        assertTrue(Files.readString(tmp.resolve("queue/mta-sts/good.test.policy")).contains("mx: *.good.test"));
    }

    @Test
    void enforceWithASelfSignedCertificateDefers() throws Exception {
        DeliveryResult r = deliver("a@selfsigned.test");
        assertInstanceOf(DeliveryResult.Deferred.class, r, r.toString());
        assertTrue(r.reply().summary().startsWith("451 4.7.5"), r.toString());
        assertTrue(selfSigned.messages.isEmpty());
        assertTrue(outcomes.contains("selfsigned.test sts validation-failure"), outcomes.toString());
    }

    @Test
    void enforceWithACertificateForAnotherNameDefers() throws Exception {
        DeliveryResult r = deliver("a@wrongname.test");
        assertInstanceOf(DeliveryResult.Deferred.class, r, r.toString());
        assertTrue(wrongName.messages.isEmpty());
        assertTrue(outcomes.contains("wrongname.test sts certificate-host-mismatch"), outcomes.toString());
    }

    @Test
    void enforceWithAnExpiredCertificateDefers() throws Exception {
        DeliveryResult r = deliver("a@expired.test");
        assertInstanceOf(DeliveryResult.Deferred.class, r, r.toString());
        assertTrue(expired.messages.isEmpty());
        assertEquals(List.of("expired.test sts certificate-expired"), outcomes);
    }

    @Test
    void enforceWithAnMxOutsideThePolicyDefersWithoutConnecting() throws Exception {
        DeliveryResult r = deliver("a@nomatch.test");
        assertInstanceOf(DeliveryResult.Deferred.class, r, r.toString());
        assertTrue(r.reply().summary().contains("MTA-STS"), r.toString());
        assertEquals(0, good.connections.get());
    }

    @Test
    void enforceWithoutStartTlsDefersAndNeverSendsInPlaintext() throws Exception {
        DeliveryResult r = deliver("a@nostarttls.test");
        assertInstanceOf(DeliveryResult.Deferred.class, r, r.toString());
        assertTrue(noTls.messages.isEmpty());
        assertFalse(noTls.commands.stream().anyMatch(c -> c.startsWith("MAIL")), noTls.commands.toString());
        assertTrue(outcomes.contains("nostarttls.test sts starttls-not-supported"), outcomes.toString());
    }

    @Test
    void testingWithABadCertificateDeliversAndRecordsTheFailure() throws Exception {
        DeliveryResult r = deliver("a@testing.test");
        assertInstanceOf(DeliveryResult.Delivered.class, r, r.toString());
        assertEquals(List.of("a@testing.test"), selfSigned.next(Duration.ofSeconds(5)).recipients());
        assertTrue(outcomes.contains("testing.test sts validation-failure"), outcomes.toString());
    }

    @Test
    void noPolicyDeliversAsBefore() throws Exception {
        DeliveryResult r = deliver("a@plain.test");
        assertInstanceOf(DeliveryResult.Delivered.class, r, r.toString());
        assertEquals(List.of(false), noTls.encrypted);
        assertEquals(List.of("plain.test none plaintext"), outcomes);
    }

    @Test
    void aRedirectedPolicyFetchMeansNoPolicy() throws Exception {
        DeliveryResult r = deliver("a@redirect.test");
        assertInstanceOf(DeliveryResult.Delivered.class, r, r.toString());
        assertTrue(outcomes.contains("redirect.test sts sts-policy-fetch-error"), outcomes.toString());
    }

    @Test
    void theCachedPolicyHoldsAcrossARestartWithoutThePolicyServer() throws Exception {
        assertInstanceOf(DeliveryResult.Deferred.class, deliver("a@selfsigned.test"));
        forwarder.close();
        web.stop(0);
        web = null;
        outcomes.clear();
        forwarder = forwarder();
        DeliveryResult r = deliver("b@selfsigned.test");
        assertInstanceOf(DeliveryResult.Deferred.class, r, r.toString());
        assertTrue(selfSigned.messages.isEmpty());
        assertEquals(List.of("selfsigned.test sts validation-failure"), outcomes);
    }

    /** A TLS report goes with opportunistic TLS (TLS-Required: No, RFC 8689 section 5) and is not reported on. */
    @Test
    void aTlsReportIgnoresTheMandatoryPolicyAndIsNotCounted() throws Exception {
        byte[] content = "TLS-Required: No\r\n\r\n{}\r\n".getBytes(StandardCharsets.US_ASCII);
        OutboundMessage report = new OutboundMessage(works.cast.relay.server.message.QueueId.next(), "tlsrpt@cast.works",
                List.of("tls-reports@selfsigned.test"), content.length, false, false,
                () -> java.nio.channels.Channels.newChannel(new java.io.ByteArrayInputStream(content)));
        DeliveryResult r = await(forwarder, report).get("tls-reports@selfsigned.test");
        assertInstanceOf(DeliveryResult.Delivered.class, r, r.toString());
        assertEquals(List.of(true), selfSigned.encrypted);
        assertEquals(List.of(), outcomes);
        assertInstanceOf(DeliveryResult.Deferred.class, deliver("a@selfsigned.test"), "other mail still waits");
    }

    /**
     * The sessions of the day become one RFC 8460 report per domain with a {@code _smtp._tls} record, sent the next
     * day: well-formed JSON (read by Python's json module) with the counts, gzipped in a multipart/report, with
     * TLS-Required: No, and a DKIM signature dkimpy verifies. A domain without the record gets none.
     */
    @Test
    void theDaysSessionsBecomeSignedTlsReports() throws Exception {
        assertInstanceOf(DeliveryResult.Deferred.class, deliver("a@selfsigned.test"));
        assertInstanceOf(DeliveryResult.Deferred.class, deliver("b@selfsigned.test"));
        assertInstanceOf(DeliveryResult.Delivered.class, deliver("a@good.test"));
        assertInstanceOf(DeliveryResult.Delivered.class, deliver("a@plain.test"));
        assertInstanceOf(DeliveryResult.Delivered.class, deliver("a@testing.test"));
        assertInstanceOf(DeliveryResult.Deferred.class, deliver("a@nostarttls.test"));

        works.cast.relay.core.interop.TestKeys keys = works.cast.relay.core.interop.TestKeys.shared();
        works.cast.relay.core.keys.KeyRing ring = new works.cast.relay.core.keys.KeyRing(List.of(
                new works.cast.relay.core.keys.SelectorKey(new works.cast.relay.core.mail.Domain("cast.works"), "rpt",
                        works.cast.relay.core.keys.PemKeyLoader.load(keys.rsa().pemFile()),
                        works.cast.relay.core.keys.SelectorState.ACTIVE, java.time.Instant.now(), Optional.empty(),
                        Optional.empty())));
        works.cast.relay.core.policy.SigningPolicy policy = new works.cast.relay.core.policy.SigningPolicy(
                List.of(new works.cast.relay.core.policy.DomainPolicy(new works.cast.relay.core.mail.Domain(
                        "cast.works"), List.of())), true, works.cast.relay.core.policy.SigningPolicy.UnknownDomain.REJECT,
                works.cast.relay.core.dkim.canon.Canonicalization.RELAXED,
                works.cast.relay.core.dkim.canon.Canonicalization.RELAXED,
                works.cast.relay.core.dkim.HeaderSelection.DEFAULT_HEADERS,
                works.cast.relay.core.dkim.HeaderSelection.DEFAULT_OVERSIGN, Optional.empty(), () -> ring);
        List<String> queued = new CopyOnWriteArrayList<>();
        List<byte[]> messages = new CopyOnWriteArrayList<>();
        TlsReporter reporter = new TlsReporter(counts, dns(), "tlsrpt@cast.works", "relay.cast.works",
                new works.cast.relay.server.intake.OriginatedMailSigner(policy,
                        new works.cast.relay.core.mail.Domain("cast.works"), clock),
                (from, rcpts, bytes) -> {
                    queued.add(from + " " + rcpts);
                    messages.add(bytes);
                    return java.util.concurrent.CompletableFuture.completedFuture(null);
                }, TlsReporter.Poster.https(works.cast.relay.server.delivery.tls.PeerTrust.of(Optional.of(trustStore)),
                        dns(), Duration.ofSeconds(5)), clock, Optional.empty());
        assertEquals(0, reporter.sendDue().get(10, java.util.concurrent.TimeUnit.SECONDS), "the day is not over");

        now.set(java.time.Instant.parse("2026-12-04T00:30:00Z"));
        assertEquals(3, reporter.sendDue().get(10, java.util.concurrent.TimeUnit.SECONDS),
                "mailed to selfsigned.test and good.test, uploaded for testing.test; nostarttls.test's endpoint fails");
        assertEquals(java.util.Set.of("tlsrpt@cast.works [tls-reports@selfsigned.test]",
                "tlsrpt@cast.works [rpt@good.test]"), java.util.Set.copyOf(queued));
        for (byte[] m : messages) {
            String text = new String(m, StandardCharsets.US_ASCII);
            String header = text.substring(0, text.indexOf("\r\n\r\n"));
            assertTrue(header.startsWith("DKIM-Signature: v=1; a=rsa-sha256;"), header);
            assertTrue(header.contains("\r\nTLS-Required: No\r\n"), header);
            assertTrue(header.contains("report-type=tlsrpt"), header);
            var o = works.cast.relay.core.interop.Dkimpy.create().verify(m, keys.dnsRecords("cast.works", "rpt",
                    "unused"));
            assertTrue(o.allPass(), o::describe);
        }
        String selfSignedJson = reportJson(messages.stream().filter(m -> new String(m, StandardCharsets.US_ASCII)
                .contains("TLS-Report-Domain: selfsigned.test")).findFirst().orElseThrow());
        assertEquals("cast.works|2026-12-03T00:00:00Z|2026-12-03T23:59:59Z|sts|selfsigned.test|0|2|"
                + "validation-failure=2", summary(selfSignedJson));
        // RFC 8460 section 4.4: the policy as fetched, and the failed sessions by relay address, MX host and address
        List<String> selfSigned = TlsReportJson.lines(tmp, selfSignedJson);
        assertEquals("policy sts selfsigned.test [\"version: STSv1\", \"mode: enforce\", \"mx: mx.selfsigned.test\","
                + " \"max_age: 86400\"] [\"mx.selfsigned.test\"] 0 2", selfSigned.get(0));
        assertEquals(2, selfSigned.size(), selfSigned.toString());
        assertTrue(selfSigned.get(1).startsWith("detail validation-failure sip=127.0.0.1 mx=mx.selfsigned.test"
                + " helo=sink.test rip=127.0.0.42 n=2 reason=certificate not trusted: "), selfSigned.get(1));
        String goodJson = reportJson(messages.stream().filter(m -> new String(m, StandardCharsets.US_ASCII)
                .contains("TLS-Report-Domain: good.test")).findFirst().orElseThrow());
        assertEquals("cast.works|2026-12-03T00:00:00Z|2026-12-03T23:59:59Z|sts|good.test|1|0|", summary(goodJson));
        assertEquals(List.of("policy sts good.test [\"version: STSv1\", \"mode: enforce\", \"mx: *.good.test\","
                + " \"max_age: 86400\"] [\"*.good.test\"] 1 0"), TlsReportJson.lines(tmp, goodJson));
        assertEquals(java.util.Set.of("POST /tlsrpt/v1 application/tlsrpt+gzip",
                "POST /tlsrpt/broken application/tlsrpt+gzip"), java.util.Set.copyOf(uploads));
        byte[] upload = uploaded.get(uploads.indexOf("POST /tlsrpt/v1 application/tlsrpt+gzip"));
        try (var in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(upload))) {
            String json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            assertEquals("cast.works|2026-12-03T00:00:00Z|2026-12-03T23:59:59Z|sts|testing.test|0|1|"
                    + "validation-failure=1", summary(json));
            List<String> testing = TlsReportJson.lines(tmp, json);
            assertTrue(testing.get(0).startsWith("policy sts testing.test [\"version: STSv1\", \"mode: testing\""),
                    testing.toString());
            assertTrue(testing.get(1).startsWith("detail validation-failure sip=127.0.0.1 mx=mx.testing.test"
                    + " helo=sink.test rip=127.0.0.42 n=1 reason=certificate not trusted: "), testing.toString());
        }
        byte[] broken = uploaded.get(uploads.indexOf("POST /tlsrpt/broken application/tlsrpt+gzip"));
        try (var in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(broken))) {
            List<String> noStartTls = TlsReportJson.lines(tmp, new String(in.readAllBytes(), StandardCharsets.UTF_8));
            assertEquals(2, noStartTls.size(), noStartTls.toString());
            assertTrue(noStartTls.get(1).matches("detail starttls-not-supported sip=127\\.0\\.0\\.1"
                    + " mx=mx\\.nostarttls\\.test helo=sink\\.test rip=127\\.0\\.0\\.43 n=1 reason=.*STARTTLS.*"),
                    noStartTls.toString());
        }
        assertEquals(0, reporter.sendDue().get(10, java.util.concurrent.TimeUnit.SECONDS), "sent only once");
    }

    /** The gunzipped JSON of the report's application/tlsrpt+gzip part. */
    private static String reportJson(byte[] message) throws Exception {
        var mime = new jakarta.mail.internet.MimeMessage(jakarta.mail.Session.getInstance(new java.util.Properties()),
                new java.io.ByteArrayInputStream(message));
        var multipart = (jakarta.mail.internet.MimeMultipart) mime.getContent();
        for (int i = 0; i < multipart.getCount(); i++) {
            var part = multipart.getBodyPart(i);
            if (part.isMimeType("application/tlsrpt+gzip")) {
                assertTrue(part.getFileName().startsWith("cast.works!"), part.getFileName());
                try (var in = new java.util.zip.GZIPInputStream(part.getInputStream())) {
                    return new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
            }
        }
        throw new AssertionError("no application/tlsrpt+gzip part");
    }

    /** The report read by Python's json module, flattened to one line of the fields the test checks. */
    private String summary(String json) throws Exception {
        Path file = Files.writeString(tmp.resolve("report.json"), json);
        String script = "import json,sys\n"
                + "r=json.load(open(sys.argv[1]))\n"
                + "p=r['policies'][0]\n"
                + "f=','.join('%s=%d'%(d['result-type'],d['failed-session-count']) for d in p.get('failure-details',[]))\n"
                + "print('|'.join([r['organization-name'],r['date-range']['start-datetime'],"
                + "r['date-range']['end-datetime'],p['policy']['policy-type'],p['policy']['policy-domain'],"
                + "str(p['summary']['total-successful-session-count']),"
                + "str(p['summary']['total-failure-session-count']),f]))\n";
        Process p = new ProcessBuilder(Tools.require("/usr/bin/python3"), "-c", script, file.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return out;
    }
}
