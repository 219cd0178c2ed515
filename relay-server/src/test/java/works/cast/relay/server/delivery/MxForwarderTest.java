package works.cast.relay.server.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static works.cast.relay.server.delivery.Messages.await;
import static works.cast.relay.server.delivery.Messages.message;
import static works.cast.relay.server.delivery.Messages.plain;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.io.IOException;
import java.net.BindException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import works.cast.relay.server.config.MxConfig;
import works.cast.relay.server.config.OutboundTls;
import works.cast.relay.server.message.DeliveryResult;

/**
 * MX delivery against dnsmasq on loopback and two SMTP servers on 127.0.0.21 and 127.0.0.22. The forwarder runs as
 * a relay listening on 127.0.0.1 with {@code allow-loopback = true}: the loop check stays on for its own address.
 */
class MxForwarderTest {

    private static final String DNS = "127.0.0.31";

    private final ExecutorService io = Executors.newCachedThreadPool();
    private final List<ScriptedSmtpServer> servers = new ArrayList<>();
    private Process dnsmasq;
    private MxForwarder forwarder;
    private ScriptedSmtpServer mx1;
    private ScriptedSmtpServer mx2;
    private int dnsPort;

    @TempDir
    Path tmp;

    @BeforeEach
    void start() throws Exception {
        String dnsmasqPath = Tools.require("/usr/sbin/dnsmasq");
        for (int attempt = 0; mx2 == null; attempt++) {
            mx1 = new ScriptedSmtpServer("127.0.0.21", 0);
            try {
                mx2 = new ScriptedSmtpServer("127.0.0.22", mx1.port());
            } catch (BindException e) {
                mx1.close();
                if (attempt == 5) {
                    throw e;
                }
            }
        }
        servers.add(mx1);
        servers.add(mx2);
        dnsPort = Tools.freeUdpPort(DNS);
        dnsmasq = Tools.start(List.of(dnsmasqPath, "--no-daemon", "--port=" + dnsPort, "--listen-address=" + DNS,
                "--bind-interfaces", "--no-resolv", "--no-hosts", "--conf-file=/dev/null", "--local=/test/",
                "--mx-host=example.test,mx1.example.test,10", "--mx-host=example.test,mx2.example.test,20",
                "--host-record=mx1.example.test,127.0.0.21", "--host-record=mx2.example.test,127.0.0.22",
                "--host-record=a-only.test,127.0.0.22", "--mx-host=nullmx.test,.,0",
                "--host-record=relay.test,127.0.0.1", "--host-record=zero.test,0.0.0.0",
                "--host-record=v6zero.test,::", "--host-record=down.test,127.0.0.23",
                "--mx-host=backup.test,relay.test,10", "--mx-host=backup.test,mx2.example.test,20",
                "--mx-host=loops.test,relay.test,10", "--mx-host=loops.test,zero.test,20",
                "--mx-host=mixed.test,relay.test,10", "--mx-host=mixed.test,down.test,20",
                "--host-record=d0.many.test,127.0.0.21", "--host-record=d1.many.test,127.0.0.21",
                "--host-record=d2.many.test,127.0.0.21", "--host-record=d3.many.test,127.0.0.21",
                "--host-record=d4.many.test,127.0.0.21", "--host-record=d5.many.test,127.0.0.21",
                "--host-record=d6.many.test,127.0.0.21", "--host-record=d7.many.test,127.0.0.21",
                "--host-record=d8.many.test,127.0.0.21", "--host-record=d9.many.test,127.0.0.21"),
                tmp.resolve("dnsmasq.log"));
        forwarder = forwarder(true, 1000, Duration.ofSeconds(30));
        awaitDns();
    }

    /** A forwarder of a relay listening on 127.0.0.1. */
    private MxForwarder forwarder(boolean allowLoopback, int destinations, Duration idle) throws IOException {
        return new MxForwarder(new MxConfig(List.of(DNS + ":" + dnsPort), mx1.port(), 2, OutboundTls.OPPORTUNISTIC,
                allowLoopback, destinations), new LoopGuard(allowLoopback, List.of("127.0.0.1")),
                withTls(plain(Duration.ofSeconds(5))), idle, io);
    }

    private static UpstreamSettings withTls(UpstreamSettings s) throws IOException {
        return new UpstreamSettings(s.heloName(), OutboundTls.OPPORTUNISTIC,
                UpstreamTransport.tlsContext(OutboundTls.OPPORTUNISTIC, java.util.Optional.empty()), s.credentials(),
                false, s.connectTimeout(), s.commandTimeout(), s.dataTimeout());
    }

    /** dnsmasq answers once it has bound; wait for the first answer (bounded). */
    private void awaitDns() throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        MxResolver r = new MxResolver(group.next(), List.of(DNS + ":" + dnsPort), Duration.ofMillis(200));
        try {
            for (int i = 0; i < 50; i++) {
                try {
                    r.route("example.test").get(2, TimeUnit.SECONDS);
                    return;
                } catch (Exception e) {
                    Thread.sleep(100);
                }
            }
            throw new AssertionError("dnsmasq did not answer");
        } finally {
            r.close();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    @AfterEach
    void stop() throws Exception {
        if (forwarder != null) {
            forwarder.close();
        }
        for (ScriptedSmtpServer s : servers) {
            s.close();
        }
        Tools.stop(dnsmasq);
        io.shutdownNow();
    }

    @Test
    void deliversToTheMostPreferredMx() throws Exception {
        Map<String, DeliveryResult> r = await(forwarder, message("x\r\n", "a@example.test", "b@example.test"));
        assertInstanceOf(DeliveryResult.Delivered.class, r.get("a@example.test"));
        assertInstanceOf(DeliveryResult.Delivered.class, r.get("b@example.test"));
        assertEquals(List.of("a@example.test", "b@example.test"), mx1.next(Duration.ofSeconds(5)).recipients());
        assertEquals(0, mx2.connections.get());
    }

    @Test
    void fallsBackToTheNextMxWhenTheFirstIsDown() throws Exception {
        mx1.close();
        Map<String, DeliveryResult> r = await(forwarder, message("x\r\n", "a@example.test"));
        assertInstanceOf(DeliveryResult.Delivered.class, r.get("a@example.test"));
        assertEquals(Optional.of("mx2.example.test"), r.get("a@example.test").remoteHost(),
                "the host that answered, for a DSN's Remote-MTA");
        assertEquals(List.of("a@example.test"), mx2.next(Duration.ofSeconds(5)).recipients());
    }

    @Test
    void fallsBackToTheNextMxOnATransientGreeting() throws Exception {
        mx1.greeting = "421 4.3.2 Busy";
        Map<String, DeliveryResult> r = await(forwarder, message("x\r\n", "a@example.test"));
        assertInstanceOf(DeliveryResult.Delivered.class, r.get("a@example.test"));
        assertEquals(1, mx2.messages.size());
    }

    @Test
    void usesTheAddressWhenThereIsNoMx() throws Exception {
        Map<String, DeliveryResult> r = await(forwarder, message("x\r\n", "c@a-only.test"));
        assertInstanceOf(DeliveryResult.Delivered.class, r.get("c@a-only.test"));
        assertEquals(List.of("c@a-only.test"), mx2.next(Duration.ofSeconds(5)).recipients());
    }

    @Test
    void nullMxAndMissingDomainFailPermanently() throws Exception {
        Map<String, DeliveryResult> r = await(forwarder, message("x\r\n", "d@nullmx.test", "e@nothere.test",
                "a@example.test"));
        assertInstanceOf(DeliveryResult.Failed.class, r.get("d@nullmx.test"));
        assertTrue(r.get("d@nullmx.test").reply().summary().startsWith("556 5.1.10"), r.toString());
        assertInstanceOf(DeliveryResult.Failed.class, r.get("e@nothere.test"));
        assertTrue(r.get("e@nothere.test").reply().summary().startsWith("550 5.1.2"), r.toString());
        assertInstanceOf(DeliveryResult.Delivered.class, r.get("a@example.test"));
    }

    @Test
    void allHostsDownDefers() throws Exception {
        mx1.close();
        mx2.close();
        Map<String, DeliveryResult> r = await(forwarder, message("x\r\n", "a@example.test"));
        assertInstanceOf(DeliveryResult.Deferred.class, r.get("a@example.test"));
    }

    @Test
    void reusesConnectionsPerDomain() throws Exception {
        for (int i = 0; i < 3; i++) {
            assertInstanceOf(DeliveryResult.Delivered.class,
                    await(forwarder, message("m\r\n", "a@example.test")).get("a@example.test"));
        }
        assertEquals(1, mx1.connections.get());
        assertEquals(1, forwarder.sessionsOpened("example.test"));
    }

    @Test
    void aDomainWhoseHostsAreAllThisRelayBouncesAsALoop() throws Exception {
        Map<String, DeliveryResult> r = await(forwarder, message("x\r\n", "a@relay.test", "b@loops.test",
                "c@zero.test", "d@v6zero.test"));
        assertEquals("554 5.4.6 mail for relay.test loops back to myself (relay.test: address 127.0.0.1 is this "
                + "relay's own)", failed(r, "a@relay.test"));
        assertTrue(failed(r, "b@loops.test").startsWith("554 5.4.6 mail for loops.test loops back to myself"),
                r.toString());
        assertTrue(failed(r, "c@zero.test").contains("unspecified address 0.0.0.0"), r.toString());
        assertTrue(failed(r, "d@v6zero.test").contains("unspecified address"), r.toString());
        assertEquals(0, mx1.connections.get() + mx2.connections.get());
    }

    @Test
    void aLoopingHostIsSkippedForTheNextOne() throws Exception {
        Map<String, DeliveryResult> r = await(forwarder, message("x\r\n", "a@backup.test"));
        assertInstanceOf(DeliveryResult.Delivered.class, r.get("a@backup.test"));
        assertEquals(List.of("a@backup.test"), mx2.next(Duration.ofSeconds(5)).recipients());
    }

    @Test
    void aLoopBesideAHostThatIsDownIsRetriedNotBounced() throws Exception {
        Map<String, DeliveryResult> r = await(forwarder, message("x\r\n", "a@mixed.test"));
        assertInstanceOf(DeliveryResult.Deferred.class, r.get("a@mixed.test"));
    }

    @Test
    void loopbackHostsAreRefusedUnlessAllowed() throws Exception {
        try (MxForwarder strict = forwarder(false, 1000, Duration.ofSeconds(30))) {
            Map<String, DeliveryResult> r = await(strict, message("x\r\n", "a@example.test"));
            assertTrue(failed(r, "a@example.test").startsWith("554 5.4.6 mail for example.test loops back to myself"
                    + " (mx2.example.test: loopback address 127.0.0.22 (relay.delivery.mx.allow-loopback = false))"),
                    r.toString());
            assertEquals(0, mx1.connections.get() + mx2.connections.get());
        }
    }

    @Test
    void manyDestinationsKeepAtMostTheCapOfPoolsAndIdlePoolsClose() throws Exception {
        try (MxForwarder bounded = forwarder(true, 3, Duration.ofMillis(300))) {
            for (int i = 0; i < 10; i++) {
                String rcpt = "a@d" + i + ".many.test";
                assertInstanceOf(DeliveryResult.Delivered.class, await(bounded, message("m\r\n", rcpt)).get(rcpt));
                assertTrue(bounded.cachedDestinations() <= 3, "pools: " + bounded.cachedDestinations());
            }
            assertEquals(10, mx1.connections.get(), "one session per domain");
            eventually(() -> quits(mx1) >= 7, "the pools dropped for room quit their idle sessions");
            eventually(() -> bounded.cachedDestinations() == 0, "unused pools are dropped after the idle time");
            eventually(() -> quits(mx1) == 10, "and their sessions quit");
        }
    }

    private static long quits(ScriptedSmtpServer s) {
        return s.commands.stream().filter(c -> c.equalsIgnoreCase("QUIT")).count();
    }

    private static void eventually(java.util.function.BooleanSupplier condition, String what) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + ": not within 10 s");
            }
            Thread.sleep(20);
        }
    }

    private static String failed(Map<String, DeliveryResult> r, String rcpt) {
        assertInstanceOf(DeliveryResult.Failed.class, r.get(rcpt), r.toString());
        return r.get(rcpt).reply().summary();
    }
}
