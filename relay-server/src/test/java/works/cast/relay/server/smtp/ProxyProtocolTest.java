package works.cast.relay.server.smtp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The SMTP server behind a real HAProxy sending PROXY v1 and v2 headers (loopback only). */
class ProxyProtocolTest {

    private final RecordingReceiver receiver = new RecordingReceiver();
    private SmtpServer server;
    private Process haproxy;
    private int v1Port;
    private int v2Port;

    @TempDir
    Path tmp;

    @BeforeEach
    void start() throws Exception {
        String binary = ExternalTools.require("/usr/sbin/haproxy");
        // Only the address haproxy reports may submit: haproxy itself connects from 127.0.0.1, the one trusted proxy.
        SmtpServerSettings settings = new SmtpServerSettings("relay.test",
                List.of(new SmtpServerSettings.Listener("127.0.0.1", 0, SmtpServerSettings.TlsMode.NONE)),
                Optional.empty(), true, NetworkAcl.parse(List.of("127.0.0.3/32")), false,
                SmtpServerSettings.Limits.defaults().withProxyHeaderTimeout(Duration.ofMillis(500)),
                SmtpServerSettings.BareLfMode.REJECT, NetworkAcl.parse(List.of("127.0.0.1/32")));
        server = new SmtpServer(settings, receiver, FakeAuthenticator.none());
        server.start();
        int smtpPort = server.boundPorts().get(0);
        v1Port = freePort();
        v2Port = freePort();
        Path config = tmp.resolve("haproxy.cfg");
        Files.writeString(config, String.join("\n",
                "global",
                "  maxconn 20",
                "defaults",
                "  mode tcp",
                "  timeout connect 5s",
                "  timeout client 30s",
                "  timeout server 30s",
                "frontend smtp_v1",
                "  bind 127.0.0.1:" + v1Port,
                "  default_backend relay_v1",
                "backend relay_v1",
                "  server relay 127.0.0.1:" + smtpPort + " send-proxy",
                "frontend smtp_v2",
                "  bind 127.0.0.1:" + v2Port,
                "  default_backend relay_v2",
                "backend relay_v2",
                "  server relay 127.0.0.1:" + smtpPort + " send-proxy-v2",
                ""));
        haproxy = new ProcessBuilder(binary, "-db", "-f", config.toString())
                .redirectErrorStream(true).redirectOutput(tmp.resolve("haproxy.log").toFile()).start();
        awaitListening(v1Port);
        awaitListening(v2Port);
    }

    @AfterEach
    void stop() throws Exception {
        if (haproxy != null) {
            haproxy.destroy();
            if (!haproxy.waitFor(5, TimeUnit.SECONDS)) {
                haproxy.destroyForcibly();
            }
        }
        if (server != null) {
            server.stop(Duration.ofMillis(200));
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private void awaitListening(int port) throws Exception {
        for (int i = 0; i < 100; i++) {
            if (!haproxy.isAlive()) {
                throw new AssertionError("haproxy exited: " + Files.readString(tmp.resolve("haproxy.log")));
            }
            try (Socket s = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException e) {
                Thread.sleep(50);
            }
        }
        throw new AssertionError("haproxy is not listening on " + port);
    }

    private void submitThrough(int port) throws Exception {
        try (LineClient c = new LineClient("127.0.0.3", port)) {
            assertTrue(c.reply().startsWith("220"));
            c.command("EHLO proxied.test");
            assertTrue(c.command("MAIL FROM:<a@cast.works>").startsWith("250"));
            assertTrue(c.command("RCPT TO:<b@example.com>").startsWith("250"));
            assertTrue(c.command("DATA").startsWith("354"));
            c.raw("Subject: proxied\r\n\r\nhi\r\n.\r\n");
            assertTrue(c.reply().startsWith("250"));
            assertTrue(c.command("QUIT").startsWith("221"));
        }
    }

    @Test
    void proxyV1ReportsTheRealClient() throws Exception {
        submitThrough(v1Port);
        RecordingReceiver.Message m = receiver.next(Duration.ofSeconds(5));
        assertEquals("127.0.0.3", m.session().client().getAddress().getHostAddress());
    }

    @Test
    void proxyV2ReportsTheRealClient() throws Exception {
        submitThrough(v2Port);
        RecordingReceiver.Message m = receiver.next(Duration.ofSeconds(5));
        assertEquals("127.0.0.3", m.session().client().getAddress().getHostAddress());
    }

    @Test
    void connectionWithoutProxyHeaderIsNotServed() throws Exception {
        int direct = server.boundPorts().get(0);
        try (LineClient c = new LineClient("127.0.0.3", direct)) {
            assertTrue(c.closesOn("EHLO direct.test\r\nMAIL FROM:<a@cast.works>\r\n"));
        }
        assertTrue(receiver.opened.isEmpty());
    }

    /** A peer that is not a trusted proxy cannot claim an allowed address (here the one allowed network). */
    @Test
    void untrustedPeerClaimingAnAllowedAddressIsClosed() throws Exception {
        int direct = server.boundPorts().get(0);
        try (LineClient c = new LineClient("127.0.0.3", direct)) {
            assertTrue(c.closesOn("PROXY TCP4 127.0.0.3 127.0.0.1 40000 25\r\nEHLO forged.test\r\n"
                    + "MAIL FROM:<a@cast.works>\r\n"));
        }
        assertTrue(receiver.opened.isEmpty());
    }

    /** HAProxy's health checks send UNKNOWN (v1) or LOCAL (v2): the connection is the proxy's own. */
    @Test
    void unknownFamilyIsTheProxysOwnConnection() throws Exception {
        int direct = server.boundPorts().get(0);
        try (LineClient c = new LineClient("127.0.0.1", direct)) {
            c.raw("PROXY UNKNOWN\r\n");
            assertTrue(c.reply().startsWith("220"));
            c.command("EHLO check.test");
            assertTrue(c.command("MAIL FROM:<a@cast.works>").startsWith("530"),
                    "127.0.0.1 is not an allowed network here: the proxy itself may not submit");
        }
    }

    @Test
    void trustedProxyThatSendsNoHeaderIsClosedAfterTheHeaderTimeout() throws Exception {
        int direct = server.boundPorts().get(0);
        long start = System.nanoTime();
        try (LineClient c = new LineClient("127.0.0.1", direct)) {
            String first = c.reply();
            assertTrue(first.equals("EOF") || first.startsWith("421"), first);
        }
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(9), "closed by the 500 ms header timeout, "
                + "well before the 10 s read timeout");
    }
}
