package works.cast.relay.server.smtp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
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
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
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
 * (RFC 3207), PROXY protocol, AUTH checks and the hand-over of DATA to the {@link MessageReceiver}.
 * All methods run on the channel's event loop.
 */
public final class SmtpSessionHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(SmtpSessionHandler.class);

    /** How long a final reply may take to leave before the connection is closed anyway. */
    static final Duration CLOSE_GRACE = Duration.ofSeconds(10);

    private final SmtpServerSettings settings;
    private final SmtpServerSettings.TlsMode listenerTls;
    private final SmtpServerContext shared;
    private final String sessionId = String.format("%012x", ThreadLocalRandom.current().nextLong() & 0xffffffffffffL);

    private ChannelHandlerContext ctx;
    private SmtpCommandDecoder decoder;
    private SmtpSession session;
    private InetSocketAddress client;
    private boolean slotTaken;
    /** The proxy's address while its connection waits for the PROXY header (counted against the limits). */
    private InetAddress proxySlot;
    private boolean closing;
    private boolean flushScheduled;
    private MessageSink sink;
    private boolean pausedBySink;
    private boolean awaiting;
    private boolean blockedOnWrites;
    private ScheduledFuture<?> timer;
    private int messages;

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
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (settings.proxyProtocol()) {
            InetSocketAddress proxy = peerAddress();
            if (!settings.trustedProxies().allows(proxy.getAddress())) {
                // Anyone else could claim any address in the header, an allowed network included.
                log.info("smtp refused session={} peer={} reason=untrusted-proxy", sessionId,
                        proxy.getAddress().getHostAddress());
                closing = true;
                ctx.close();
                return;
            }
            // Until its header arrives the connection counts against the limits under the proxy's address.
            if (!shared.connections().tryAcquire(proxy.getAddress())) {
                log.info("smtp refused session={} peer={} reason=connection-limit", sessionId,
                        proxy.getAddress().getHostAddress());
                closing = true;
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
        write(session.greeting());
        arm(settings.limits().commandTimeout());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HAProxyMessage) {
            onProxyHeader((HAProxyMessage) msg);
            return;
        }
        if (session == null || closing) {
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
                content((ByteBuf) msg);
            } else if (msg instanceof SmtpCommandDecoder.DataEnd) {
                endOfData((SmtpCommandDecoder.DataEnd) msg);
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
                closing = true;
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
                write(action.reply().orElseThrow());
                nextCommand();
                break;
            case CLOSE:
                closeWith(action.reply().orElseThrow());
                break;
            case START_TLS:
                startTls(action.reply().orElseThrow());
                break;
            case START_DATA:
                startData(action.reply().orElseThrow());
                break;
            case AUTHENTICATE:
                authenticate();
                break;
            case CHECK_SENDER:
                checkSender();
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
        write(ready);
        decoder.resumeCommands();
    }

    private void startData(Reply go) {
        if (!shared.receiver().admit(() -> ctx.executor().execute(() -> admittedLater(go)))) {
            log.debug("smtp data waits for intake memory session={}", sessionId);
            await();
            arm(settings.limits().commandTimeout()); // a client that waits this long for its 354 gets 421
            return;
        }
        openData(go);
    }

    private void admittedLater(Reply go) {
        if (closing || !ctx.channel().isActive()) {
            return;
        }
        if (!shared.receiver().admit(() -> ctx.executor().execute(() -> admittedLater(go)))) {
            return;
        }
        awaiting = false;
        updateAutoRead();
        openData(go);
    }

    private void openData(Reply go) {
        MessageSink opened;
        try {
            opened = shared.receiver().open(session.sessionInfo(), session.envelope(), this::resumeFromSink);
        } catch (RuntimeException e) {
            log.warn("smtp receiver failed session={}", sessionId, e);
            session.onDataComplete();
            write(Replies.localError());
            decoder.resumeCommands();
            return;
        }
        sink = opened;
        write(go);
        arm(settings.limits().dataTimeout());
        decoder.startData(new DotUnstuffer(settings.limits().messageSize(),
                settings.bareLf() == SmtpServerSettings.BareLfMode.NORMALIZE));
    }

    private void content(ByteBuf chunk) {
        if (sink == null) {
            chunk.release();
            return;
        }
        if (!sink.write(chunk)) {
            pausedBySink = true;
            updateAutoRead();
        }
    }

    private void resumeFromSink() {
        ctx.executor().execute(() -> {
            pausedBySink = false;
            updateAutoRead();
        });
    }

    private void endOfData(SmtpCommandDecoder.DataEnd end) {
        session.onDataComplete();
        MessageSink done = sink;
        sink = null;
        pausedBySink = false;
        messages++;
        if (end.rejection() != DotUnstuffer.Rejection.NONE) {
            done.abort("rejected: " + end.rejection().name().toLowerCase(Locale.ROOT));
            Reply reply = DotUnstuffer.replyFor(end.rejection());
            log.info("smtp data rejected session={} reason={} bytes={}", sessionId, end.rejection(), end.size());
            write(reply);
            resume();
            return;
        }
        await();
        done.finish().whenComplete((reply, error) -> ctx.executor().execute(() -> {
            Reply r = reply;
            if (error != null || reply == null) {
                log.warn("smtp finish failed session={}", sessionId, error);
                r = Replies.localError();
            }
            log.info("smtp data session={} bytes={} reply=\"{}\"", sessionId, end.size(), LogText.quoted(r.summary()));
            if (r.isPositive()) {
                session.onMessageAccepted();
            }
            if (ctx.channel().isActive()) {
                write(r);
                resume();
            }
        }));
    }

    /** Checks the credentials in this client's turn ({@link AuthTurns}); the turn ends when the AUTH is answered. */
    private void authenticate() {
        SmtpSession.Credentials credentials = session.takeCredentials();
        await();
        shared.authTurns().inTurn(client.getAddress(), () -> {
            CompletableFuture<Void> answered = new CompletableFuture<>();
            if (!ctx.channel().isActive()) {
                answered.complete(null); // gone while waiting for its turn
                return answered;
            }
            shared.authenticator().authenticate(credentials.username(), credentials.password())
                    .whenComplete((user, error) -> {
                        try {
                            ctx.executor().execute(() -> authenticated(credentials.username(), user, error,
                                    answered));
                        } catch (RejectedExecutionException e) {
                            answered.complete(null); // the event loop is shutting down
                        }
                    });
            return answered;
        });
    }

    private void checkSender() {
        await();
        shared.senderGate().admit(session.sessionInfo(), session.reversePath())
                .whenComplete((refusal, error) -> ctx.executor().execute(() -> {
                    if (!ctx.channel().isActive()) {
                        return;
                    }
                    if (error != null) {
                        log.warn("smtp sender check failed session={}, accepting: {}", sessionId, error.toString());
                    }
                    Optional<Reply> r = error == null && refusal != null ? refusal : Optional.empty();
                    r.ifPresent(reply -> log.info("smtp mail refused session={} reply=\"{}\"", sessionId,
                            reply.summary()));
                    write(session.onSenderChecked(r).reply().orElseThrow());
                    resume();
                }));
    }

    private void authenticated(String username, Optional<Authenticator.User> result, Throwable error,
                               CompletableFuture<Void> answered) {
        if (!ctx.channel().isActive()) {
            answered.complete(null);
            return;
        }
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof Authenticator.Busy) {
            log.info("smtp auth session={} user={} result=unavailable", sessionId, LogText.escape(username));
            write(session.onAuthUnavailable().reply().orElseThrow());
            resume();
            answered.complete(null);
            return;
        }
        Optional<Authenticator.User> user = error == null && result != null ? result : Optional.empty();
        SmtpSession.Action action = session.onAuthResult(user);
        if (user.isPresent()) {
            log.info("smtp auth session={} user={} result=ok", sessionId, LogText.escape(user.get().name()));
            write(action.reply().orElseThrow());
            resume();
            answered.complete(null);
            return;
        }
        boolean blocked = shared.authFailures().recordFailure(client.getAddress());
        log.info("smtp auth session={} user={} result=failed blocked={}", sessionId, LogText.escape(username),
                blocked);
        Duration delay = settings.limits().authFailureDelay();
        ctx.executor().schedule(() -> {
            try {
                if (blocked) {
                    closeWith(Replies.tooManyAuthFailures());
                } else if (ctx.channel().isActive()) {
                    write(action.reply().orElseThrow());
                    resume();
                }
            } finally {
                answered.complete(null);
            }
        }, delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void await() {
        awaiting = true;
        cancelTimer();
        updateAutoRead();
    }

    private void resume() {
        awaiting = false;
        updateAutoRead();
        arm(settings.limits().commandTimeout());
        nextCommand();
    }

    /**
     * Lets the decoder hand over the next command, unless the replies already queued fill the write buffer (the
     * client does not read them): then neither buffered nor new input is read until the channel is writable again,
     * so a client that pipelines commands and never reads costs at most the write buffer's high-water mark.
     */
    private void nextCommand() {
        if (ctx.channel().isWritable()) {
            decoder.resumeCommands();
        } else {
            blockedOnWrites = true;
            updateAutoRead();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        boolean resume = ctx.channel().isWritable() && blockedOnWrites && !closing;
        if (resume) {
            blockedOnWrites = false;
        }
        updateAutoRead();
        if (resume) {
            decoder.resumeCommands();
        }
        ctx.fireChannelWritabilityChanged();
    }

    private void updateAutoRead() {
        ctx.channel().config().setAutoRead(!awaiting && !pausedBySink && !closing && !blockedOnWrites
                && ctx.channel().isWritable());
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

    private void arm(Duration timeout) {
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
        if (!closing && ctx.channel().isActive()) {
            log.info("smtp timeout session={} in-data={}", sessionId, session != null && session.isInData());
            closeWith(Replies.timeout());
        }
    }

    /** Sends a final reply and closes; used for QUIT, limits, timeouts and shutdown. */
    void closeWith(Reply reply) {
        if (closing) {
            return;
        }
        closing = true;
        cancelTimer();
        updateAutoRead();
        abortSink("connection closed");
        if (ctx.channel().isActive()) {
            logReply(reply);
            ctx.writeAndFlush(Unpooled.wrappedBuffer(reply.toWire())).addListener(ChannelFutureListener.CLOSE);
            // A client that does not read never lets the reply out: it does not keep the connection open.
            ctx.executor().schedule(() -> {
                ctx.close();
            }, CLOSE_GRACE.toNanos(), TimeUnit.NANOSECONDS);
        } else {
            ctx.close();
        }
    }

    /**
     * Queues a reply; one flush at the end of the event loop's current batch sends every reply queued in it together
     * (RFC 2920 section 3.2: the replies to a pipelined MAIL, RCPT and DATA go out as one segment, not three).
     */
    private void write(Reply reply) {
        logReply(reply);
        if (!ctx.executor().inEventLoop()) {
            ctx.writeAndFlush(Unpooled.wrappedBuffer(reply.toWire()));
            return;
        }
        ctx.write(Unpooled.wrappedBuffer(reply.toWire()));
        if (!flushScheduled) {
            flushScheduled = true;
            ctx.executor().execute(this::flushReplies);
        }
    }

    private void flushReplies() {
        flushScheduled = false;
        ctx.flush();
    }

    private void logReply(Reply reply) {
        if (log.isDebugEnabled()) {
            log.debug("smtp > session={} {}", sessionId, reply.summary());
        }
    }

    private void abortSink(String reason) {
        if (sink != null) {
            MessageSink s = sink;
            sink = null;
            s.abort(reason);
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
        abortSink("connection lost");
        if (slotTaken) {
            slotTaken = false;
            shared.connections().release(client.getAddress());
        }
        if (client != null) {
            shared.events().closed();
            log.info("smtp disconnect session={} client={} messages={}", sessionId,
                    client.getAddress().getHostAddress(), messages);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.info("smtp connection error session={} cause={}", sessionId, String.valueOf(cause));
        if (log.isDebugEnabled()) {
            log.debug("smtp connection error session={}", sessionId, cause);
        }
        closing = true;
        abortSink("connection error");
        ctx.close();
    }
}
