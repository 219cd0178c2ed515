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
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import works.cast.relay.core.mail.TlsRequirement;
import works.cast.relay.server.config.MxConfig;
import works.cast.relay.server.config.MxTlsConfig;
import works.cast.relay.server.config.OutboundTls;
import works.cast.relay.server.delivery.tls.MxTlsPolicies;
import works.cast.relay.server.delivery.tls.TlsOutcomes;
import works.cast.relay.server.dns.DnsClient;
import works.cast.relay.server.dns.Dnsmasq;
import works.cast.relay.server.dns.DnsServers;
import works.cast.relay.server.message.DeliveryResult;

/**
 * REQUIRETLS and TLS-Required: No (RFC 8689) in MX delivery, with the real peers of the MTA-STS tests on loopback:
 * dnsmasq for MX, {@code _mta-sts} and policy host records, a JDK HTTPS server of a private CA serving enforce
 * policies, and SMTP sinks: one with a certificate of that CA that offers REQUIRETLS after STARTTLS (127.0.0.51),
 * one with a CA certificate that does not offer it (.52), one self-signed that offers it (.53), one with a CA
 * certificate that offers it for a domain without any policy (.54), also the address of a domain without MX.
 */
class RequireTlsDeliveryTest {

    private static final String DNS = "127.0.0.49";
    private static final String WEB = "127.0.0.50";

    private final ExecutorService io = Executors.newCachedThreadPool();
    private final List<ScriptedSmtpServer> sinks = new ArrayList<>();
    private final List<String> outcomes = new CopyOnWriteArrayList<>();
    private TestPki pki;
    private Process dnsmasq;
    private HttpsServer web;
    private MxForwarder forwarder;
    private ScriptedSmtpServer good;
    private ScriptedSmtpServer noOffer;
    private ScriptedSmtpServer selfSigned;
    private ScriptedSmtpServer noPolicy;
    private int dnsPort;

    @TempDir
    Path tmp;

    @BeforeEach
    void start() throws Exception {
        String dnsmasqPath = Tools.require("/usr/sbin/dnsmasq");
        pki = new TestPki();
        Path trustStore = pki.writeCa(tmp.resolve("ca.pem"));
        sinks.addAll(ScriptedSmtpServer.onOnePort("127.0.0.51", "127.0.0.52", "127.0.0.53", "127.0.0.54"));
        good = sinks.get(0);
        noOffer = sinks.get(1);
        selfSigned = sinks.get(2);
        noPolicy = sinks.get(3);
        good.tls = pki.issue("mx.good.test", "mx2.twomx.test").serverContext();
        good.tlsCapabilities = List.of("REQUIRETLS");
        noOffer.tls = pki.issue("mx.nooffer.test").serverContext();
        selfSigned.tls = TestPki.selfSigned("mx.selfsigned.test", "mx1.twomx.test").serverContext();
        selfSigned.tlsCapabilities = List.of("REQUIRETLS");
        noPolicy.tls = pki.issue("mx.nopolicy.test", "implicit.test").serverContext();
        noPolicy.tlsCapabilities = List.of("REQUIRETLS");

        web = HttpsServer.create(new InetSocketAddress(InetAddress.getByName(WEB), 0), 0);
        web.setHttpsConfigurator(new HttpsConfigurator(pki.issue("mta-sts.good.test", "mta-sts.nooffer.test",
                "mta-sts.selfsigned.test", "mta-sts.twomx.test").serverContext()));
        web.createContext("/.well-known/mta-sts.txt", exchange -> {
            String domain = exchange.getRequestHeaders().getFirst("Host").replaceAll(":.*", "")
                    .substring("mta-sts.".length());
            String mx = domain.equals("twomx.test") ? "*.twomx.test" : "mx." + domain;
            byte[] body = ("version: STSv1\r\nmode: enforce\r\nmx: " + mx + "\r\nmax_age: 86400\r\n")
                    .getBytes(StandardCharsets.US_ASCII);
            exchange.getResponseHeaders().add("Content-Type", "text/plain");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        web.start();

        dnsPort = Tools.freeUdpPort(DNS);
        List<String> cmd = new ArrayList<>(List.of(dnsmasqPath, "--no-daemon", "--port=" + dnsPort,
                "--listen-address=" + DNS, "--bind-interfaces", "--no-resolv", "--no-hosts", "--conf-file=/dev/null",
                "--local=/test/",
                "--host-record=mx.good.test,127.0.0.51", "--host-record=mx2.twomx.test,127.0.0.51",
                "--host-record=mx.nooffer.test,127.0.0.52",
                "--host-record=mx.selfsigned.test,127.0.0.53", "--host-record=mx1.twomx.test,127.0.0.53",
                "--host-record=mx.nopolicy.test,127.0.0.54", "--host-record=implicit.test,127.0.0.54",
                "--mx-host=good.test,mx.good.test,10", "--mx-host=nooffer.test,mx.nooffer.test,10",
                "--mx-host=selfsigned.test,mx.selfsigned.test,10", "--mx-host=nopolicy.test,mx.nopolicy.test,10",
                "--mx-host=twomx.test,mx1.twomx.test,10", "--mx-host=twomx.test,mx2.twomx.test,20"));
        for (String d : List.of("good", "nooffer", "selfsigned", "twomx")) {
            cmd.add("--txt-record=_mta-sts." + d + ".test,v=STSv1; id=20261204");
            cmd.add("--host-record=mta-sts." + d + ".test," + WEB);
        }
        dnsmasq = Tools.start(cmd, tmp.resolve("dnsmasq.log"));
        Dnsmasq.awaitAnswer(dns(), "mx.good.test");

        MxTlsConfig security = new MxTlsConfig(true, web.getAddress().getPort(), false, Optional.of(trustStore),
                Optional.of("tlsrpt@cast.works"));
        MxConfig config = new MxConfig(List.of(DNS + ":" + dnsPort), good.port(), 2, OutboundTls.OPPORTUNISTIC, true,
                100, security);
        TlsOutcomes record = (domain, policy, result) -> outcomes.add(domain + " " + policy.label() + " " + result.type());
        UpstreamSettings p = plain(Duration.ofSeconds(5));
        UpstreamSettings settings = new UpstreamSettings(p.heloName(), OutboundTls.OPPORTUNISTIC,
                UpstreamTransport.tlsContext(OutboundTls.OPPORTUNISTIC, Optional.empty()), p.credentials(), false,
                p.connectTimeout(), p.commandTimeout(), p.dataTimeout());
        forwarder = new MxForwarder(config, new LoopGuard(true, List.of("127.0.0.1")), settings,
                Duration.ofSeconds(30), io, MxTlsPolicies.of(security, dns(), tmp.resolve("queue"),
                Duration.ofSeconds(5), io, Clock.systemUTC()), record);
    }

    private DnsClient dns() {
        return new DnsClient(DnsServers.parse(List.of(DNS + ":" + dnsPort)), Duration.ofMillis(500), 2);
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

    private static OutboundMessage tagged(String from, String content, TlsRequirement tls, String rcpt) {
        OutboundMessage m = message(content, rcpt);
        return new OutboundMessage(m.id(), from, m.recipients(), m.size(), m.eightBit(), m.smtpUtf8(), m.content(),
                tls);
    }

    private DeliveryResult deliver(TlsRequirement tls, String rcpt) throws Exception {
        return await(forwarder, tagged("sender@cast.works", "Subject: t\r\n\r\nx\r\n", tls, rcpt)).get(rcpt);
    }

    private static boolean sawMail(ScriptedSmtpServer s) {
        return s.commands.stream().anyMatch(c -> c.toUpperCase(java.util.Locale.ROOT).startsWith("MAIL"));
    }

    @Test
    void deliveredOverEnforcedMtaStsToAHostOfferingRequireTlsWhichSeesTheOption() throws Exception {
        ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory
                .getLogger(MxForwarder.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> lines =
                new ch.qos.logback.core.read.ListAppender<>();
        lines.start();
        logger.addAppender(lines);
        DeliveryResult r;
        try {
            r = deliver(TlsRequirement.REQUIRED, "a@good.test");
        } finally {
            logger.detachAppender(lines);
        }
        assertInstanceOf(DeliveryResult.Delivered.class, r, r.toString());
        ScriptedSmtpServer.Message m = good.next(Duration.ofSeconds(5));
        assertEquals("MAIL FROM:<sender@cast.works> SIZE=" + m.content().length + " REQUIRETLS", m.mailFrom());
        assertEquals(List.of(true), good.encrypted);
        assertTrue(lines.list.stream().map(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage)
                .anyMatch(l -> l.startsWith("forwarded id=") && l.contains("policy=sts tls=TLSv1.3 requiretls=yes ")
                        && l.contains("delivered=1")), lines.list.toString());
    }

    @Test
    void aHostThatDoesNotOfferRequireTlsGetsNothingAndTheRecipientFails() throws Exception {
        DeliveryResult r = deliver(TlsRequirement.REQUIRED, "a@nooffer.test");
        assertInstanceOf(DeliveryResult.Failed.class, r, r.toString());
        assertTrue(r.reply().summary().startsWith("550 5.7.30 "), r.toString());
        assertTrue(noOffer.messages.isEmpty());
        assertFalse(sawMail(noOffer), noOffer.commands.toString());
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!noOffer.commands.contains("QUIT") && System.nanoTime() < deadline) {
            Thread.sleep(20); // the QUIT goes out after the result, on its own
        }
        assertTrue(noOffer.commands.contains("QUIT"), noOffer.commands.toString());
        assertInstanceOf(DeliveryResult.Delivered.class, deliver(TlsRequirement.DEFAULT, "b@nooffer.test"),
                "other mail still goes there");
    }

    @Test
    void aHostWhoseCertificateDoesNotVerifyGetsNothingEvenWhenItOffersRequireTls() throws Exception {
        DeliveryResult r = deliver(TlsRequirement.REQUIRED, "a@selfsigned.test");
        assertInstanceOf(DeliveryResult.Failed.class, r, r.toString());
        assertTrue(r.reply().summary().startsWith("550 5.7.10 "), r.toString());
        assertTrue(selfSigned.messages.isEmpty());
        assertFalse(sawMail(selfSigned), selfSigned.commands.toString());
    }

    /** RFC 8689 section 4.2.1: the first MX fails validation, so the next one is tried. */
    @Test
    void theNextMxIsTriedWhenTheFirstCannotBeValidated() throws Exception {
        DeliveryResult r = deliver(TlsRequirement.REQUIRED, "a@twomx.test");
        assertInstanceOf(DeliveryResult.Delivered.class, r, r.toString());
        assertTrue(good.next(Duration.ofSeconds(5)).mailFrom().endsWith(" REQUIRETLS"));
        assertEquals(1, selfSigned.connections.get(), "mx1 was tried first");
        assertFalse(sawMail(selfSigned));
    }

    @Test
    void aDomainWithoutMtaStsOrDnssecCannotTakeARequireTlsMessage() throws Exception {
        DeliveryResult r = deliver(TlsRequirement.REQUIRED, "a@nopolicy.test");
        assertInstanceOf(DeliveryResult.Failed.class, r, r.toString());
        assertTrue(r.reply().summary().startsWith("550 5.7.10 "), r.toString());
        assertEquals(0, noPolicy.connections.get(), "not even connected");
    }

    /** Without an MX record the domain itself is the host, and a certificate valid for it suffices. */
    @Test
    void aDomainWithoutMxIsValidatedByItsOwnName() throws Exception {
        DeliveryResult r = deliver(TlsRequirement.REQUIRED, "a@implicit.test");
        assertInstanceOf(DeliveryResult.Delivered.class, r, r.toString());
        assertTrue(noPolicy.next(Duration.ofSeconds(5)).mailFrom().endsWith(" REQUIRETLS"));
    }

    /** RFC 8689 section 4.2.2: TLS-Required: No ignores the enforced policy that defers other mail. */
    @Test
    void tlsRequiredNoIsDeliveredDespiteAFailingEnforcePolicy() throws Exception {
        assertInstanceOf(DeliveryResult.Deferred.class, deliver(TlsRequirement.DEFAULT, "a@selfsigned.test"));
        DeliveryResult r = deliver(TlsRequirement.OPTIONAL, "b@selfsigned.test");
        assertInstanceOf(DeliveryResult.Delivered.class, r, r.toString());
        ScriptedSmtpServer.Message m = selfSigned.next(Duration.ofSeconds(5));
        assertEquals(List.of("b@selfsigned.test"), m.recipients());
        assertFalse(m.mailFrom().contains("REQUIRETLS"), m.mailFrom());
        assertEquals(List.of(true), selfSigned.encrypted, "still over (opportunistic) TLS");
    }

    /** RFC 8689 section 5: a bounce of a REQUIRETLS message asks for it where offered, and is never dropped. */
    @Test
    void aBounceOfARequireTlsMessageIsDeliveredAndPassesTheOptionOnWhereOffered() throws Exception {
        OutboundMessage toNoOffer = tagged("", "Subject: dsn\r\n\r\nx\r\n", TlsRequirement.REQUIRED, "a@nooffer.test");
        assertInstanceOf(DeliveryResult.Delivered.class, await(forwarder, toNoOffer).get("a@nooffer.test"));
        assertEquals("MAIL FROM:<>", noOffer.next(Duration.ofSeconds(5)).mailFrom().replaceAll(" SIZE=\\d+", ""));
        OutboundMessage toGood = tagged("", "Subject: dsn\r\n\r\nx\r\n", TlsRequirement.REQUIRED, "a@good.test");
        assertInstanceOf(DeliveryResult.Delivered.class, await(forwarder, toGood).get("a@good.test"));
        assertEquals("MAIL FROM:<> REQUIRETLS", good.next(Duration.ofSeconds(5)).mailFrom()
                .replaceAll(" SIZE=\\d+", ""));
    }
}
