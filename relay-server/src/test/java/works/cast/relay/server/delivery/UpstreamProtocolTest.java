package works.cast.relay.server.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static works.cast.relay.server.delivery.Messages.await;
import static works.cast.relay.server.delivery.Messages.message;
import static works.cast.relay.server.delivery.Messages.plain;

import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import works.cast.relay.server.config.OutboundTls;
import works.cast.relay.server.message.DeliveryResult;
import works.cast.relay.server.tls.TestCertificates;

/**
 * Upstreams that answer out of turn or with replies of the wrong class: only a 2xx to the end of data, read after the
 * whole content was written, delivers; anything else defers the attempt and closes the connection.
 */
class UpstreamProtocolTest {

    private static final List<List<String>> MODES = List.of(List.of("PIPELINING", "8BITMIME"), List.of("8BITMIME"));

    private final ExecutorService io = Executors.newCachedThreadPool();
    private final List<AutoCloseable> closing = new ArrayList<>();

    @TempDir
    Path tmp;

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : closing) {
            c.close();
        }
        io.shutdownNow();
    }

    private ScriptedSmtpServer server(List<String> capabilities) throws Exception {
        ScriptedSmtpServer s = new ScriptedSmtpServer();
        s.capabilities = capabilities;
        closing.add(s);
        return s;
    }

    private SmarthostForwarder forwarder(ScriptedSmtpServer s, UpstreamSettings settings) {
        SmarthostForwarder f = new SmarthostForwarder("127.0.0.1", s.port(), 1, settings, Duration.ofSeconds(30), io);
        closing.add(0, f);
        return f;
    }

    private static void assertProtocolError(Map<String, DeliveryResult> r, String... recipients) {
        for (String rcpt : recipients) {
            DeliveryResult d = r.get(rcpt);
            assertInstanceOf(DeliveryResult.Deferred.class, d, r.toString());
            assertTrue(d.reply().summary().startsWith("451 4.5.0 Protocol error"), r.toString());
        }
    }

    @Test
    void replyToTheDataBeforeTheContentIsWrittenDefers() throws Exception {
        for (List<String> caps : MODES) {
            ScriptedSmtpServer s = server(caps);
            s.answerBeforeContent = true;
            SmarthostForwarder f = forwarder(s, plain());
            byte[] big = new byte[16 << 20];
            Arrays.fill(big, (byte) 'x');
            for (int i = 998; i < big.length; i += 1000) {
                big[i] = '\r';
                big[i + 1] = '\n';
            }
            Map<String, DeliveryResult> r = await(f, message(big, false, false, "a@example.net"));
            assertProtocolError(r, "a@example.net");
            assertTrue(r.get("a@example.net").reply().summary().contains("before the end of data"), r.toString());
            assertEquals(0, f.sessionsOpen(), "the connection is closed");
        }
    }

    @Test
    void strayReplySentWithThe354Defers() throws Exception {
        for (List<String> caps : MODES) {
            ScriptedSmtpServer s = server(caps);
            s.extra.put("DATA", "250 2.0.0 Ok: queued as FAKE");
            SmarthostForwarder f = forwarder(s, plain());
            assertProtocolError(await(f, message("Subject: x\r\n\r\nbody\r\n", "a@example.net")), "a@example.net");
        }
    }

    @Test
    void replyAheadOfItsCommandDefers() throws Exception {
        for (List<String> caps : MODES) {
            for (String[] ahead : List.of(new String[] {"RCPT", "354 End data with <CR><LF>.<CR><LF>"},
                    new String[] {"MAIL", "250 2.1.5 Ok"})) {
                ScriptedSmtpServer s = server(caps);
                s.extra.put(ahead[0], ahead[1]);
                SmarthostForwarder f = forwarder(s, plain());
                assertProtocolError(await(f, message("x\r\n", "a@example.net")), "a@example.net");
                assertTrue(s.messages.isEmpty(), "no content was sent on a shifted reply");
            }
        }
    }

    @Test
    void thirdClassRepliesWhereSuccessIsDueDefer() throws Exception {
        for (List<String> caps : MODES) {
            ScriptedSmtpServer mail = server(caps);
            mail.malformedMailReply = "354 2.1.0 Go on";
            assertProtocolError(await(forwarder(mail, plain()), message("x\r\n", "a@example.net")), "a@example.net");

            ScriptedSmtpServer rcpt = server(caps);
            rcpt.rcptReply = a -> "354 Go on";
            assertProtocolError(await(forwarder(rcpt, plain()), message("x\r\n", "a@example.net")), "a@example.net");

            ScriptedSmtpServer data = server(caps);
            data.dataReply = "354 Send more";
            assertProtocolError(await(forwarder(data, plain()), message("x\r\n", "a@example.net")), "a@example.net");
        }
    }

    @Test
    void replyWhileNoneIsAwaitedClosesTheSession() throws Exception {
        ScriptedSmtpServer s = server(MODES.get(0));
        s.dataReply = "250 2.0.0 Ok: queued as ONE\r\n250 2.0.0 Ok: queued as STRAY";
        SmarthostForwarder f = forwarder(s, plain());
        Map<String, DeliveryResult> first = await(f, message("one\r\n", "a@example.net"));
        assertInstanceOf(DeliveryResult.Delivered.class, first.get("a@example.net"), "a 2xx after the content");
        assertEquals("250 2.0.0 Ok: queued as ONE", first.get("a@example.net").reply().summary());
        s.dataReply = "250 2.0.0 Ok: queued as TWO";
        Map<String, DeliveryResult> second = await(f, message("two\r\n", "a@example.net"));
        assertEquals("250 2.0.0 Ok: queued as TWO", second.get("a@example.net").reply().summary());
        assertEquals(2, s.connections.get(), "the session that got a stray reply was not reused");
    }

    private UpstreamSettings startTls(ScriptedSmtpServer s) throws Exception {
        TestCertificates.CertFiles cert = TestCertificates.ec(tmp);
        JdkSslContext server = (JdkSslContext) SslContextBuilder.forServer(cert.certificate().toFile(),
                cert.privateKey().toFile()).sslProvider(SslProvider.JDK).build();
        SSLContext context = server.context();
        s.tls = context;
        UpstreamSettings p = plain();
        return new UpstreamSettings(p.heloName(), OutboundTls.REQUIRED,
                UpstreamTransport.tlsContext(OutboundTls.OPPORTUNISTIC, java.util.Optional.empty()), p.credentials(),
                false, p.connectTimeout(), p.commandTimeout(), p.dataTimeout());
    }

    @Test
    void startTlsDeliversInsideTls() throws Exception {
        ScriptedSmtpServer s = server(MODES.get(0));
        SmarthostForwarder f = forwarder(s, startTls(s));
        assertInstanceOf(DeliveryResult.Delivered.class, await(f, message("x\r\n", "a@example.net"))
                .get("a@example.net"));
        assertEquals(List.of(true), s.encrypted);
    }

    @Test
    void plaintextInjectedAfterStartTlsFailsTheSession() throws Exception {
        for (String injected : List.of("250-sink.test\r\n250 PIPELINING\r\n", "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n",
                "250 incomplete")) {
            ScriptedSmtpServer s = server(MODES.get(0));
            s.afterStartTls = injected;
            SmarthostForwarder f = forwarder(s, startTls(s));
            Map<String, DeliveryResult> r = await(f, message("x\r\n", "a@example.net"));
            DeliveryResult d = r.get("a@example.net");
            assertInstanceOf(DeliveryResult.Deferred.class, d, injected);
            assertTrue(d.reply().summary().startsWith("451 4."), d.reply().summary());
            assertTrue(s.encrypted.isEmpty(), "no MAIL was sent: " + s.commands);
            assertFalse(s.commands.stream().anyMatch(c -> c.startsWith("MAIL")), s.commands.toString());
        }
    }

    @Test
    void controlCharactersInUpstreamReplyTextsAreReplaced() throws Exception {
        ScriptedSmtpServer s = server(MODES.get(0));
        s.rcptReply = a -> "550 5.1.1 No\u001b[31m such\ruser\u0000 \u202egnp.exe\u0085here";
        SmarthostForwarder f = forwarder(s, plain());
        DeliveryResult d = await(f, message("x\r\n", "a@example.net")).get("a@example.net");
        assertInstanceOf(DeliveryResult.Failed.class, d);
        assertEquals("550 5.1.1 No?[31m such?user? ?gnp.exe?here", d.reply().summary());
    }
}
