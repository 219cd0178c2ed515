package works.cast.relay.server.smtp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.ssl.SslHandler;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;
import works.cast.relay.server.message.Reply;

class SmtpSessionHandlerTest {

    private final RecordingReceiver receiver = new RecordingReceiver();
    private SmtpServerSettings settings = new SmtpServerSettings("relay.test",
            List.of(new SmtpServerSettings.Listener("127.0.0.1", 0, SmtpServerSettings.TlsMode.STARTTLS)),
            Optional.of(TestTls.serverContext()), true, NetworkAcl.parse(List.of("127.0.0.0/8")), true,
            SmtpServerSettings.Limits.defaults().withConnections(10, 1), SmtpServerSettings.BareLfMode.REJECT);
    private SmtpServerContext context;

    private EmbeddedChannel connect(String clientIp) {
        return connect(clientIp, receiver);
    }

    private EmbeddedChannel connect(String clientIp, MessageReceiver messageReceiver) {
        if (context == null) {
            context = new SmtpServerContext(messageReceiver, FakeAuthenticator.none(), new java.util.concurrent.atomic.AtomicReference<>(settings),
                    new ConnectionLimiter(settings.limits().connections(), settings.limits().connectionsPerIp()),
                    new AuthFailureTracker(3, Duration.ofMinutes(1), Clock.systemUTC()),
                    new java.util.concurrent.atomic.AtomicBoolean(), SessionEvents.NONE);
        }
        EmbeddedChannel ch = new EmbeddedChannel(new HAProxyMessageDecoder(), new SmtpCommandDecoder(),
                new SmtpSessionHandler(settings, SmtpServerSettings.TlsMode.STARTTLS, context));
        send(ch, "PROXY TCP4 " + clientIp + " 127.0.0.1 40000 25\r\n");
        return ch;
    }

    private static void send(EmbeddedChannel ch, String... parts) {
        for (String p : parts) {
            ch.writeInbound(Unpooled.copiedBuffer(p, StandardCharsets.UTF_8));
            ch.runPendingTasks();
        }
    }

    private static String replies(EmbeddedChannel ch) {
        StringBuilder sb = new StringBuilder();
        for (Object o; (o = ch.readOutbound()) != null; ) {
            sb.append(new String(ByteBufs.bytes((ByteBuf) o), StandardCharsets.UTF_8));
        }
        return sb.toString();
    }

    private static List<String> codes(String replies) {
        return replies.lines().filter(l -> l.length() > 3 && l.charAt(3) == ' ').map(l -> l.substring(0, 3)).toList();
    }

    @Test
    void pipelinedSubmissionSplitMidLine() throws Exception {
        EmbeddedChannel ch = connect("127.0.0.1");
        send(ch, "EHLO app\r\nMAIL FR", "OM:<a@b.example>\r\nRCPT TO:<c@d.exa", "mple>\r\nDATA\r\nSubject: hi\r",
                "\n\r\n..x\r\n.", "\r\nNOOP\r\nQUIT\r\n");
        String out = replies(ch);
        assertEquals(List.of("220", "250", "250", "250", "354", "250", "250", "221"), codes(out), out);
        RecordingReceiver.Message m = receiver.next(Duration.ofSeconds(1));
        assertEquals("Subject: hi\r\n\r\n.x\r\n", m.text());
        assertEquals("127.0.0.1", m.session().client().getAddress().getHostAddress());
        assertFalse(ch.isActive());
    }

    @Test
    void repliesToAPipelinedGroupLeaveInOneFlush() {
        EmbeddedChannel ch = connect("127.0.0.1");
        send(ch, "EHLO app\r\n");
        replies(ch);
        int[] flushes = {0};
        ch.pipeline().addFirst(new io.netty.channel.ChannelOutboundHandlerAdapter() {
            @Override
            public void flush(io.netty.channel.ChannelHandlerContext ctx) {
                flushes[0]++;
                ctx.flush();
            }
        });
        send(ch, "MAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nRCPT TO:<e@d.example>\r\nDATA\r\n");
        String out = replies(ch);
        assertEquals(List.of("250", "250", "250", "354"), codes(out), out);
        assertEquals(1, flushes[0], "RFC 2920: one flush for the whole group");
    }

    @Test
    void overlongCommandLineKeepsSync() {
        EmbeddedChannel ch = connect("127.0.0.1");
        send(ch, "NOOP " + "x".repeat(300), "y".repeat(300) + "\r", "\nNOOP\r\n");
        String out = replies(ch);
        assertEquals(List.of("220", "501", "250"), codes(out), out);
        assertTrue(out.contains("501 5.5.2"));
    }

    @Test
    void lineOf512OctetsIsAccepted() {
        EmbeddedChannel ch = connect("127.0.0.1");
        send(ch, "NOOP " + "x".repeat(512 - 7) + "\r\n");
        assertEquals(List.of("220", "250"), codes(replies(ch)));
    }

    @Test
    void smuggledMessageInPipelinedDataIsRejectedOnce() {
        EmbeddedChannel ch = connect("127.0.0.1");
        send(ch, "EHLO app\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\n"
                + "Subject: x\r\n\r\nhello\n.\r\nMAIL FROM:<evil@b.example>\r\nRCPT TO:<v@d.example>\r\nDATA\r\n"
                + "Subject: smuggled\r\n\r\nevil\r\n.\r\nQUIT\r\n");
        String out = replies(ch);
        assertEquals(List.of("220", "250", "250", "250", "354", "550", "221"), codes(out), out);
        assertTrue(out.contains("550 5.6.0"));
        assertTrue(receiver.accepted.isEmpty());
        assertEquals(1, receiver.aborted.size());
    }

    @Test
    void bytesPipelinedAfterStarttlsAreDiscarded() {
        EmbeddedChannel ch = connect("127.0.0.1");
        send(ch, "EHLO app\r\nSTARTTLS\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\n");
        String out = replies(ch);
        assertEquals(List.of("220", "250", "220"), codes(out), out);
        assertTrue(out.endsWith("220 2.0.0 Ready to start TLS\r\n"));
        assertTrue(ch.pipeline().first() instanceof SslHandler);
    }

    @Test
    void accessDeniedOutsideAllowedNetworks() {
        EmbeddedChannel ch = connect("192.0.2.7");
        send(ch, "EHLO app\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\nhi\r\n.\r\n");
        String out = replies(ch);
        assertTrue(out.contains("530 5.7.0"), out);
        assertTrue(receiver.opened.isEmpty());
    }

    @Test
    void connectionsPerIpAreLimited() {
        EmbeddedChannel first = connect("198.51.100.1");
        EmbeddedChannel second = connect("198.51.100.1");
        EmbeddedChannel other = connect("198.51.100.2");
        assertTrue(replies(first).startsWith("220"));
        assertTrue(replies(second).startsWith("421 4.7.0"));
        assertFalse(second.isActive());
        assertTrue(replies(other).startsWith("220"));
        first.close();
        EmbeddedChannel third = connect("198.51.100.1");
        assertTrue(replies(third).startsWith("220"));
    }

    @Test
    void dataAfterRejectedOpenIsNotExecuted() {
        EmbeddedChannel ch = connect("127.0.0.1");
        send(ch, "EHLO app\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\n",
                "x".repeat(2000) + "\r\n.\r\nNOOP\r\n");
        String out = replies(ch);
        assertEquals(List.of("220", "250", "250", "250", "354", "550", "250"), codes(out), out);
    }

    @Test
    void slowSinkPausesReadingAndRepliesStayInOrder() {
        List<Runnable> resume = new java.util.ArrayList<>();
        CompletableFuture<Reply> finished = new CompletableFuture<>();
        StringBuilder content = new StringBuilder();
        MessageReceiver slow = (info, envelope, resumeReading) -> {
            resume.add(resumeReading);
            return new MessageSink() {
                @Override
                public boolean write(ByteBuf chunk) {
                    content.append(new String(ByteBufs.bytes(chunk), StandardCharsets.UTF_8));
                    return false;
                }

                @Override
                public CompletionStage<Reply> finish() {
                    return finished;
                }

                @Override
                public void abort(String reason) {
                    throw new AssertionError("not aborted");
                }
            };
        };
        EmbeddedChannel ch = connect("127.0.0.1", slow);
        send(ch, "EHLO app\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\n", "line one\r\n");
        assertFalse(ch.config().isAutoRead(), "paused by the sink");
        resume.get(0).run();
        ch.runPendingTasks();
        assertTrue(ch.config().isAutoRead());
        send(ch, ".\r\nNOOP\r\nQUIT\r\n");
        assertFalse(ch.config().isAutoRead(), "paused until the message is committed");
        String before = replies(ch);
        assertEquals(List.of("220", "250", "250", "250", "354"), codes(before), before);
        finished.complete(new Reply(250, "2.0.0", "Ok queued as X"));
        ch.runPendingTasks();
        String after = replies(ch);
        assertEquals(List.of("250", "250", "221"), codes(after), after);
        assertTrue(after.startsWith("250 2.0.0 Ok queued as X"));
        assertEquals("line one\r\n", content.toString());
    }

    @Test
    void failedFinishIsATemporaryError() {
        MessageReceiver failing = (info, envelope, resumeReading) -> new MessageSink() {
            @Override
            public boolean write(ByteBuf chunk) {
                chunk.release();
                return true;
            }

            @Override
            public CompletionStage<Reply> finish() {
                return CompletableFuture.failedFuture(new java.io.IOException("disk full"));
            }

            @Override
            public void abort(String reason) {
            }
        };
        EmbeddedChannel ch = connect("127.0.0.1", failing);
        send(ch, "EHLO app\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\nx\r\n.\r\nNOOP\r\n");
        String out = replies(ch);
        assertEquals(List.of("220", "250", "250", "250", "354", "451", "250"), codes(out), out);
    }

    private void limits(SmtpServerSettings.Limits limits) {
        settings = new SmtpServerSettings(settings.hostname(), settings.listeners(), settings.sslContext(),
                settings.proxyProtocol(), settings.allowedNetworks(), settings.requireTlsForAuth(), limits,
                settings.bareLf());
    }

    /** Stands for a client that never reads: writes reach the channel's buffer, flushes never drain it. */
    private static final class StalledClient extends io.netty.channel.ChannelOutboundHandlerAdapter {
        int writes;
        boolean stalled = true;

        @Override
        public void write(io.netty.channel.ChannelHandlerContext ctx, Object msg,
                          io.netty.channel.ChannelPromise promise) {
            writes++;
            ctx.write(msg, promise);
        }

        @Override
        public void flush(io.netty.channel.ChannelHandlerContext ctx) {
            if (!stalled) {
                ctx.flush();
            }
        }
    }

    @Test
    void clientThatDoesNotReadRepliesIsNotRead() {
        limits(SmtpServerSettings.Limits.defaults().withConnections(10, 1).withJunkCommands(1_000_000));
        EmbeddedChannel ch = connect("127.0.0.1");
        replies(ch);
        StalledClient client = new StalledClient();
        ch.pipeline().addFirst(client);
        int commands = 10_000;
        send(ch, "EHLO x\r\n".repeat(commands));
        assertFalse(ch.isWritable());
        assertFalse(ch.config().isAutoRead(), "not read while the replies cannot leave");
        assertTrue(client.writes < 1000, "replies buffered: " + client.writes);
        client.stalled = false;
        ch.flush();
        StringBuilder out = new StringBuilder();
        for (int round = 0; round < 10 * commands && out.length() < commands * 100; round++) {
            ch.runPendingTasks();
            out.append(replies(ch));
        }
        assertEquals(commands, codes(out.toString()).size());
        assertTrue(ch.config().isAutoRead());
    }

    @Test
    void junkCommandsBeyondTheLimitCloseTheConnection() {
        limits(SmtpServerSettings.Limits.defaults().withConnections(10, 1).withJunkCommands(4));
        EmbeddedChannel ch = connect("127.0.0.1");
        send(ch, "EHLO app\r\nNOOP\r\nRSET\r\nHELP\r\nVRFY x\r\nNOOP\r\n");
        String out = replies(ch);
        assertEquals(List.of("220", "250", "250", "250", "214", "421"), codes(out), out);
        assertTrue(out.endsWith("421 4.7.0 Too many commands without a message, closing connection\r\n"), out);
        assertFalse(ch.isActive());
    }

    @Test
    void junkCountStartsOverAfterEachAcceptedMessage() throws Exception {
        limits(SmtpServerSettings.Limits.defaults().withConnections(10, 1).withJunkCommands(3));
        EmbeddedChannel ch = connect("127.0.0.1");
        send(ch, "EHLO app\r\n");
        for (int i = 0; i < 5; i++) {
            send(ch, "MAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\nSubject: " + i
                    + "\r\n\r\nhi\r\n.\r\nRSET\r\nNOOP\r\nRSET\r\n");
        }
        String out = replies(ch);
        assertFalse(out.contains("421"), out);
        assertEquals(1 + 1 + 5 * 7, codes(out).size(), out);
        assertEquals(5, receiver.accepted.size());
        assertTrue(ch.isActive());
    }
}
