package works.cast.relay.server.delivery;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static works.cast.relay.server.delivery.Messages.await;
import static works.cast.relay.server.delivery.Messages.message;

import io.netty.buffer.ByteBuf;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import works.cast.relay.core.mail.Envelope;
import works.cast.relay.server.config.OutboundTls;
import works.cast.relay.server.message.DeliveryResult;
import works.cast.relay.server.message.Reply;
import works.cast.relay.server.smtp.Authenticator;
import works.cast.relay.server.smtp.MessageReceiver;
import works.cast.relay.server.smtp.MessageSink;
import works.cast.relay.server.smtp.NetworkAcl;
import works.cast.relay.server.smtp.SessionInfo;
import works.cast.relay.server.smtp.SmtpServer;
import works.cast.relay.server.smtp.SmtpServerSettings;
import works.cast.relay.server.tls.TestCertificates;

/** STARTTLS (verified), AUTH PLAIN and exact content against the relay's own SMTP server as the upstream. */
class UpstreamTlsAuthTest {

    /** One message as the server received it. */
    record Received(SessionInfo session, Envelope envelope, byte[] content) {
    }

    private final ExecutorService io = Executors.newCachedThreadPool();
    private final LinkedBlockingQueue<Received> received = new LinkedBlockingQueue<>();
    private SmtpServer server;
    private SmarthostForwarder forwarder;

    @TempDir
    Path tmp;

    @AfterEach
    void stop() {
        if (forwarder != null) {
            forwarder.close();
        }
        if (server != null) {
            server.stop(Duration.ofMillis(200));
        }
        io.shutdownNow();
    }

    private final MessageReceiver receiver = (session, envelope, resume) -> new MessageSink() {
        private final ByteArrayOutputStream content = new ByteArrayOutputStream();

        @Override
        public boolean write(ByteBuf chunk) {
            try {
                byte[] b = new byte[chunk.readableBytes()];
                chunk.readBytes(b);
                content.writeBytes(b);
                return true;
            } finally {
                chunk.release();
            }
        }

        @Override
        public CompletionStage<Reply> finish() {
            received.add(new Received(session, envelope, content.toByteArray()));
            return CompletableFuture.completedFuture(new Reply(250, "2.0.0", "Ok: queued as RELAY"));
        }

        @Override
        public void abort(String reason) {
        }
    };

    private final Authenticator authenticator = new Authenticator() {
        @Override
        public CompletionStage<Optional<User>> authenticate(String username, String password) {
            boolean ok = username.equals("relay") && password.equals("p\u00e4ss word");
            return CompletableFuture.completedFuture(ok ? Optional.of(new User(username, Set.of("cast.works")))
                    : Optional.empty());
        }

        @Override
        public boolean hasUsers() {
            return true;
        }
    };

    private int startServer(TestCertificates.CertFiles cert) throws Exception {
        SslContext ctx = SslContextBuilder.forServer(cert.certificate().toFile(), cert.privateKey().toFile()).build();
        SmtpServerSettings settings = new SmtpServerSettings("upstream.test",
                List.of(new SmtpServerSettings.Listener("127.0.0.1", 0, SmtpServerSettings.TlsMode.STARTTLS)),
                Optional.of(ctx), false, NetworkAcl.parse(List.of("192.0.2.0/24")), true,
                SmtpServerSettings.Limits.defaults(), SmtpServerSettings.BareLfMode.REJECT);
        server = new SmtpServer(settings, receiver, authenticator);
        server.start();
        return server.boundPorts().get(0);
    }

    private UpstreamSettings settings(OutboundTls tls, Path trust, String password) throws Exception {
        Duration t = Duration.ofSeconds(10);
        return new UpstreamSettings("relay.test", tls, UpstreamTransport.tlsContext(tls, Optional.of(trust)),
                Optional.of(new UpstreamSettings.Credentials("relay", password)), false, t, t, t);
    }

    @Test
    void requiredTlsVerifiesTheCertificateThenAuthenticates() throws Exception {
        TestCertificates.CertFiles cert = TestCertificates.ec(tmp);
        int port = startServer(cert);
        forwarder = new SmarthostForwarder("localhost", port, 1,
                settings(OutboundTls.REQUIRED, cert.certificate(), "p\u00e4ss word"), Duration.ofSeconds(30), io);
        String content = "Subject: tls\r\n\r\n.leading dot\r\n..two\r\nend\r\n";
        Map<String, DeliveryResult> r = await(forwarder, message(content, "b@example.net"));
        assertInstanceOf(DeliveryResult.Delivered.class, r.get("b@example.net"), r.toString());
        Received m = received.poll(5, TimeUnit.SECONDS);
        assertEquals(Optional.of("relay"), m.session().authUser());
        assertTrue(m.session().tlsProtocol().isPresent());
        assertArrayEquals(content.getBytes(StandardCharsets.US_ASCII), m.content());
        assertEquals("sender@cast.works", m.envelope().reversePath());
    }

    @Test
    void requiredTlsRejectsAnUntrustedCertificate() throws Exception {
        TestCertificates.CertFiles cert = TestCertificates.ec(tmp);
        Path other = TestCertificates.ec(tmp.resolve("other").toFile().mkdirs() ? tmp.resolve("other") : tmp)
                .certificate();
        int port = startServer(cert);
        forwarder = new SmarthostForwarder("localhost", port, 1, settings(OutboundTls.REQUIRED, other, "x"),
                Duration.ofSeconds(30), io);
        Map<String, DeliveryResult> r = await(forwarder, message("x\r\n", "b@example.net"));
        assertInstanceOf(DeliveryResult.Deferred.class, r.get("b@example.net"));
        assertTrue(r.get("b@example.net").reply().summary().startsWith("451 4.7.5"), r.toString());
        assertTrue(received.isEmpty());
    }

    @Test
    void wrongPasswordDefers() throws Exception {
        TestCertificates.CertFiles cert = TestCertificates.ec(tmp);
        int port = startServer(cert);
        forwarder = new SmarthostForwarder("localhost", port, 1, settings(OutboundTls.OPPORTUNISTIC,
                cert.certificate(), "wrong"), Duration.ofSeconds(30), io);
        Map<String, DeliveryResult> r = await(forwarder, message("x\r\n", "b@example.net"));
        assertInstanceOf(DeliveryResult.Deferred.class, r.get("b@example.net"));
        assertTrue(r.get("b@example.net").reply().summary().startsWith("535"), r.toString());
    }

    @Test
    void noCredentialsInClear() throws Exception {
        TestCertificates.CertFiles cert = TestCertificates.ec(tmp);
        int port = startServer(cert);
        forwarder = new SmarthostForwarder("localhost", port, 1, settings(OutboundTls.NONE, cert.certificate(),
                "p\u00e4ss word"), Duration.ofSeconds(30), io);
        Map<String, DeliveryResult> r = await(forwarder, message("x\r\n", "b@example.net"));
        assertInstanceOf(DeliveryResult.Deferred.class, r.get("b@example.net"));
        assertTrue(r.get("b@example.net").reply().summary().contains("AUTH needs TLS"), r.toString());
    }
}
