package works.cast.relay.server.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import works.cast.relay.server.delivery.tls.MtaSts;
import works.cast.relay.server.delivery.tls.PeerTrust;
import works.cast.relay.server.delivery.tls.StsPolicy;
import works.cast.relay.server.delivery.tls.TlsFailure;
import works.cast.relay.server.dns.DnsClient;
import works.cast.relay.server.dns.DnsServers;

/**
 * The MTA-STS policy is fetched again only when the {@code _mta-sts} TXT id changes (RFC 8461 section 3.1), against a
 * dnsmasq restarted on the same port with a new id and a JDK HTTPS server whose policy changes in between; and a
 * policy host whose certificate is not trusted means no policy, reported as {@code sts-webpki-invalid}.
 */
class MtaStsRefreshTest {

    private static final String DNS = "127.0.0.37";
    private static final String WEB = "127.0.0.38";

    private final ExecutorService io = Executors.newCachedThreadPool();
    private Process dnsmasq;
    private HttpsServer web;

    @TempDir
    Path tmp;

    @AfterEach
    void stop() throws Exception {
        Tools.stop(dnsmasq);
        if (web != null) {
            web.stop(0);
        }
        io.shutdownNow();
    }

    private void dns(int port, String id) throws Exception {
        Tools.stop(dnsmasq);
        dnsmasq = Tools.start(List.of(Tools.require("/usr/sbin/dnsmasq"), "--no-daemon", "--port=" + port,
                "--listen-address=" + DNS, "--bind-interfaces", "--no-resolv", "--no-hosts", "--conf-file=/dev/null",
                "--local=/test/", "--txt-record=_mta-sts.refresh.test,v=STSv1; id=" + id,
                "--host-record=mta-sts.refresh.test," + WEB), tmp.resolve("dnsmasq-" + id + ".log"));
    }

    /** Polls until the TXT record carries {@code id} (dnsmasq restarting), bounded. */
    private static void awaitId(DnsClient dns, String id) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            try {
                var a = dns.query("_mta-sts.refresh.test", org.xbill.DNS.Type.TXT).get(2, TimeUnit.SECONDS);
                if (a.records().stream().anyMatch(r -> r.rdataToString().contains("id=" + id))) {
                    return;
                }
            } catch (Exception e) {
                // restarting
            }
            Thread.sleep(50);
        }
        throw new AssertionError("dnsmasq never served id " + id);
    }

    private HttpsServer web(javax.net.ssl.SSLContext tls, AtomicReference<String> mode, AtomicInteger fetches)
            throws Exception {
        HttpsServer s = HttpsServer.create(new InetSocketAddress(InetAddress.getByName(WEB), 0), 0);
        s.setHttpsConfigurator(new HttpsConfigurator(tls));
        s.createContext("/.well-known/mta-sts.txt", exchange -> {
            fetches.incrementAndGet();
            byte[] body = ("version: STSv1\nmode: " + mode.get() + "\nmx: mx.refresh.test\nmax_age: 86400\n")
                    .getBytes(StandardCharsets.US_ASCII);
            exchange.getResponseHeaders().add("Content-Type", "text/plain; charset=utf-8");
            exchange.sendResponseHeaders(200, 0); // chunked
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        s.start();
        return s;
    }

    @Test
    void aNewTxtIdFetchesThePolicyAgain() throws Exception {
        TestPki pki = new TestPki();
        AtomicReference<String> mode = new AtomicReference<>("testing");
        AtomicInteger fetches = new AtomicInteger();
        web = web(pki.issue("mta-sts.refresh.test").serverContext(), mode, fetches);
        int port = Tools.freeUdpPort(DNS);
        DnsClient dns = new DnsClient(DnsServers.parse(List.of(DNS + ":" + port)), Duration.ofMillis(300), 2);
        MtaSts sts = new MtaSts(dns, PeerTrust.of(Optional.of(pki.writeCa(tmp.resolve("ca.pem")))),
                web.getAddress().getPort(), Duration.ofSeconds(5), tmp.resolve("mta-sts"), io, Clock.systemUTC());
        dns(port, "1");
        awaitId(dns, "1");

        MtaSts.Lookup first = sts.lookup("refresh.test").get(10, TimeUnit.SECONDS);
        assertEquals(StsPolicy.Mode.TESTING, first.policy().orElseThrow().mode());
        assertEquals("1", first.id());

        mode.set("enforce");
        MtaSts.Lookup same = sts.lookup("refresh.test").get(10, TimeUnit.SECONDS);
        assertEquals(StsPolicy.Mode.TESTING, same.policy().orElseThrow().mode(), "same id: the cached policy");
        assertEquals(1, fetches.get());

        dns(port, "2");
        awaitId(dns, "2");
        MtaSts.Lookup changed = sts.lookup("refresh.test").get(10, TimeUnit.SECONDS);
        assertEquals(StsPolicy.Mode.ENFORCE, changed.policy().orElseThrow().mode());
        assertEquals("2", changed.id());
        assertEquals(2, fetches.get());
    }

    @Test
    void anUntrustedPolicyHostMeansNoPolicy() throws Exception {
        AtomicInteger fetches = new AtomicInteger();
        web = web(TestPki.selfSigned("mta-sts.refresh.test").serverContext(), new AtomicReference<>("enforce"),
                fetches);
        int port = Tools.freeUdpPort(DNS);
        DnsClient dns = new DnsClient(DnsServers.parse(List.of(DNS + ":" + port)), Duration.ofMillis(300), 2);
        MtaSts sts = new MtaSts(dns, PeerTrust.of(Optional.empty()), web.getAddress().getPort(),
                Duration.ofSeconds(5), tmp.resolve("mta-sts"), io, Clock.systemUTC());
        dns(port, "1");
        awaitId(dns, "1");
        MtaSts.Lookup l = sts.lookup("refresh.test").get(10, TimeUnit.SECONDS);
        assertTrue(l.policy().isEmpty(), l.toString());
        assertEquals(TlsFailure.STS_WEBPKI_INVALID, l.failure().orElseThrow().type());
        assertEquals(0, fetches.get());
    }
}
