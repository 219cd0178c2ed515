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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import works.cast.relay.server.config.MxConfig;
import works.cast.relay.server.config.OutboundTls;

/** MX delivery against dnsmasq on loopback and two SMTP servers on 127.0.0.21 and 127.0.0.22. */
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
                "--host-record=a-only.test,127.0.0.22", "--mx-host=nullmx.test,.,0"), tmp.resolve("dnsmasq.log"));
        forwarder = new MxForwarder(new MxConfig(List.of(DNS + ":" + dnsPort), mx1.port(), 2, OutboundTls.OPPORTUNISTIC),
                withTls(plain(Duration.ofSeconds(5))), Duration.ofSeconds(30), io);
        awaitDns();
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
}
