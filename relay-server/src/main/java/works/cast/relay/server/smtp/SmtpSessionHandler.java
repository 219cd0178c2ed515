package works.cast.relay.server.smtp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import works.cast.relay.server.message.Reply;
import works.cast.relay.server.net.LogText;

/**
 * Netty glue between one connection and its {@link SmtpSession}: greeting, limits, timeouts, STARTTLS
 * (RFC 3207) and the PROXY protocol here; the DATA hand-over in {@link DataStream}, the AUTH and sender checks in
 * {@link SessionChecks}, the replies in {@link ReplyWriter}, and why the socket is not read in {@link ReadPauses}.
 * All methods run on the channel's event loop.
 */
public final class SmtpSessionHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(SmtpSessionHandler.class);

    private final SmtpServerSettings settings;
    private final SmtpServerSettings.TlsMode listenerTls;
    private final SmtpServerContext shared;
    private final String sessionId = String.format("%012x", ThreadLocalRandom.current().nextLong() & 0xffffffffffffL);

    private ChannelHandlerContext ctx;
    private SmtpCommandDecoder decoder;
    private ReplyWriter replies;
    private ReadPauses pauses;
    private SmtpSession session;
    private DataStream data;
    private SessionChecks checks;
    private InetSocketAddress client;
    private boolean slotTaken;
    /** The proxy's address while its connection waits for the PROXY header (counted against the limits). */
    private InetAddress proxySlot;
    private ScheduledFuture<?> timer;

    SmtpSessionHandler(SmtpServerSettings settings, SmtpServerSettings.TlsMode listenerTls,
                              SmtpServerContext shared) {
        this.settings = settings;
        this.listenerTls = listenerTls;
        this.shared = shared;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.decoder = ctx.pipeline().get(SmtpCommandDecoder.class);
        this.replies = new ReplyWriter(ctx, sessionId);
        this.pauses = new ReadPauses(ctx, decoder);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (settings.proxyProtocol()) {
            InetSocketAddress proxy = peerAddress();
            if (!settings.trustedProxies().allows(proxy.getAddress())) {
                // Anyone else could claim any address in the header, an allowed network included.
                log.info("smtp refused session={} peer={} reason=untrusted-proxy", sessionId,
                        proxy.getAddress().getHostAddress());
                pauses.pause(ReadPauses.Reason.CLOSING);
                ctx.close();
                return;
            }
            // Until its header arrives the connection counts against the limits under the proxy's address.
            if (!shared.connections().tryAcquire(proxy.getAddress())) {
                log.info("smtp refused session={} peer={} reason=connection-limit", sessionId,
                        proxy.getAddress().getHostAddress());
                pauses.pause(ReadPauses.Reason.CLOSING);
                ctx.close();
                return;
            }
            proxySlot = proxy.getAddress();
            arm(settings.limits().proxyHeaderTimeout());
        } else {
            begin(peerAddress());
        }
        ctx.fireChannelActive();
    }

    private InetSocketAddress peerAddress() {
        if (ctx.channel().remoteAddress() instanceof InetSocketAddress) {
            return (InetSocketAddress) ctx.channel().remoteAddress();
        }
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    }

    private void begin(InetSocketAddress address) {
        client = address;
        shared.events().opened();
        log.info("smtp connect session={} client={} local={} tls={}", sessionId, address.getAddress().getHostAddress(),
                ctx.channel().localAddress(), listenerTls.name().toLowerCase(Locale.ROOT));
        if (shared.draining().get()) {
            log.info("smtp refused session={} reason=shutting-down", sessionId);
            closeWith(Replies.shuttingDown());
            return;
        }
        if (shared.authFailures().isBlocked(address.getAddress())) {
            log.info("smtp refused session={} reason=auth-failures", sessionId);
            closeWith(Replies.tooManyAuthFailures());
            return;
        }
        if (!shared.connections().tryAcquire(address.getAddress())) {
            log.info("smtp refused session={} reason=connection-limit open={}", sessionId, shared.connections().open());
            closeWith(Replies.tooManyConnections());
            return;
        }
        slotTaken = true;
        session = new SmtpSession(settings, listenerTls, sessionId, address, shared.authenticator().hasUsers(),
                shared.senderGate() != SenderGate.OPEN);
        data = new DataStream(this, ctx, settings, shared.receiver(), decoder, session, replies, pauses);
        checks = new SessionChecks(this, ctx, settings, shared, session, address, replies);
        replies.write(session.greeting());
        arm(settings.limits().commandTimeout());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HAProxyMessage) {
            onProxyHeader((HAProxyMessage) msg);
            return;
        }
        if (session == null || pauses.has(ReadPauses.Reason.CLOSING)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        try {
            if (msg instanceof String) {
                arm(settings.limits().commandTimeout());
                String line = (String) msg;
                if (log.isDebugEnabled()) {
                    log.debug("smtp < session={} {}", sessionId, LogText.quoted(redact(line)));
                }
                if (shared.draining().get() && line.regionMatches(true, 0, "MAIL", 0, 4)) {
                    closeWith(Replies.shuttingDown()); // no new transaction once shutdown began
                    return;
                }
                perform(session.onLine(line));
            } else if (msg == SmtpCommandDecoder.Signal.LINE_TOO_LONG) {
                perform(session.onLineTooLong());
            } else if (msg instanceof ByteBuf) {
                arm(settings.limits().dataTimeout());
                data.content((ByteBuf) msg);
            } else if (msg instanceof SmtpCommandDecoder.DataEnd) {
                data.end((SmtpCommandDecoder.DataEnd) msg);
            } else {
                ReferenceCountUtil.release(msg);
                throw new IllegalStateException("unexpected message " + msg.getClass().getName());
            }
        } catch (RuntimeException e) {
            log.warn("smtp internal error session={}", sessionId, e);
            closeWith(Replies.localError());
        }
    }

    private void onProxyHeader(HAProxyMessage header) {
        try {
            if (session != null) {
                closeWith(Replies.syntax("Unexpected PROXY header"));
                return;
            }
            releaseProxySlot();
            InetSocketAddress source;
            try {
                source = ProxyHeaders.source(header, peerAddress());
            } catch (ProxyHeaders.Refused e) {
                log.info("smtp refused session={} peer={} reason=proxy-header detail={}", sessionId,
                        peerAddress().getAddress().getHostAddress(), LogText.quoted(e.getMessage()));
                pauses.pause(ReadPauses.Reason.CLOSING);
                ctx.close();
                return;
            }
            begin(source);
        } finally {
            header.release();
        }
    }

    private void releaseProxySlot() {
        if (proxySlot != null) {
            shared.connections().release(proxySlot);
            proxySlot = null;
        }
    }

    private void perform(SmtpSession.Action action) {
        switch (action.kind()) {
            case REPLY:
                replies.write(action.reply().orElseThrow());
                pauses.nextCommand();
                break;
            case CLOSE:
                closeWith(action.reply().orElseThrow());
                break;
            case START_TLS:
                startTls(action.reply().orElseThrow());
                break;
            case START_DATA:
                data.start(action.reply().orElseThrow());
                break;
            case AUTHENTICATE:
                checks.authenticate();
                break;
            case CHECK_SENDER:
                checks.checkSender();
                break;
            default:
                throw new IllegalStateException("unknown action " + action.kind());
        }
    }

    private void startTls(Reply ready) {
        int dropped = decoder.discardBuffered();
        if (dropped > 0) {
            log.info("smtp starttls session={} discarded-pipelined-bytes={}", sessionId, dropped);
        }
        SslHandler tls = new SslHandler(shared.sslContext().orElseThrow().newEngine(ctx.alloc()), true);
        ctx.pipeline().addFirst("tls", tls);
        replies.write(ready);
        decoder.resumeCommands();
    }

    /** Waits for an answer from elsewhere: nothing is read and no command timeout runs meanwhile. */
    void await() {
        cancelTimer();
        pauses.pause(ReadPauses.Reason.ANSWER);
    }

    /** The answer was sent: read the next command, within the command timeout. */
    void resume() {
        pauses.unpause(ReadPauses.Reason.ANSWER);
        arm(settings.limits().commandTimeout());
        pauses.nextCommand();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        pauses.writabilityChanged();
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent) {
            SslHandshakeCompletionEvent done = (SslHandshakeCompletionEvent) evt;
            if (!done.isSuccess()) {
                log.info("smtp tls failed session={} cause={}", sessionId, String.valueOf(done.cause()));
                ctx.close();
            } else if (session != null) {
                SSLSession tls = ctx.pipeline().get(SslHandler.class).engine().getSession();
                session.onTlsStarted(tls.getProtocol(), tls.getCipherSuite());
                shared.events().tls(tls.getProtocol(), tls.getCipherSuite());
                log.info("smtp tls session={} protocol={} cipher={}", sessionId, tls.getProtocol(),
                        tls.getCipherSuite());
            }
        }
        ctx.fireUserEventTriggered(evt);
    }

    /** Restarts the timer: the connection is closed with 421 when nothing happens for {@code timeout}. */
    void arm(Duration timeout) {
        cancelTimer();
        timer = ctx.executor().schedule(this::timedOut, timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void timedOut() {
        timer = null;
        if (!pauses.has(ReadPauses.Reason.CLOSING) && ctx.channel().isActive()) {
            log.info("smtp timeout session={} in-data={}", sessionId, session != null && session.isInData());
            closeWith(Replies.timeout());
        }
    }

    /** Sends a final reply and closes; used for QUIT, limits, timeouts and shutdown. */
    void closeWith(Reply reply) {
        if (pauses.has(ReadPauses.Reason.CLOSING)) {
            return;
        }
        cancelTimer();
        pauses.pause(ReadPauses.Reason.CLOSING);
        abortData("connection closed");
        replies.writeAndClose(reply);
    }

    private void abortData(String reason) {
        if (data != null) {
            data.abort(reason);
        }
    }

    private String redact(String line) {
        if (line.regionMatches(true, 0, "AUTH ", 0, 5)) {
            int mechanismEnd = line.indexOf(' ', 5);
            return mechanismEnd < 0 ? line : line.substring(0, mechanismEnd) + " ***";
        }
        return session.isAwaitingAuthResponse() ? "***" : line;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancelTimer();
        releaseProxySlot();
        abortData("connection lost");
        if (slotTaken) {
            slotTaken = false;
            shared.connections().release(client.getAddress());
        }
        if (client != null) {
            shared.events().closed();
            log.info("smtp disconnect session={} client={} messages={}", sessionId,
                    client.getAddress().getHostAddress(), data == null ? 0 : data.messages());
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.info("smtp connection error session={} cause={}", sessionId, String.valueOf(cause));
        if (log.isDebugEnabled()) {
            log.debug("smtp connection error session={}", sessionId, cause);
        }
        pauses.pause(ReadPauses.Reason.CLOSING);
        abortData("connection error");
        ctx.close();
    }
}
