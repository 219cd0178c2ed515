package works.cast.relay.server.delivery;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.smtp.SmtpRequestEncoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import works.cast.relay.server.message.Reply;

/**
 * The Netty side of one upstream SMTP connection (RFC 5321 section 4.5.3.2): pairs replies with the requests that
 * asked for them, in order, and enforces a timeout on the oldest outstanding reply. Any timeout, close or malformed
 * reply fails every outstanding reply with an {@link UpstreamException} and closes the channel. Requests, replies and
 * timers run on the channel's event loop; methods other than {@link #isOpen} and {@link #channel} must be called
 * there.
 *
 * <p>A reply is accepted only for a request written before the bytes that carry it were read: the connection counts
 * its reads, and a reply decoded in the read during which its request was written (a server answering ahead, or a
 * second reply where one was due) is a protocol error, as is any reply when none is awaited, except the greeting.
 * At STARTTLS nothing may remain buffered after the {@code 220} (RFC 3207 section 4.2, the client side of
 * CVE-2011-0411): the reply decoder continues inside TLS with nothing carried over.
 */
final class UpstreamConnection extends SimpleChannelInboundHandler<Reply> {

    private static final Logger log = LoggerFactory.getLogger(UpstreamConnection.class);

    /** One awaited reply; {@code timeout} null means not timed yet; {@code afterRead}: reads seen when asked. */
    private static final class Pending {
        final CompletableFuture<Reply> reply = new CompletableFuture<>();
        final long afterRead;
        Duration timeout;
        String step;

        Pending(Duration timeout, String step, long afterRead) {
            this.timeout = timeout;
            this.step = step;
            this.afterRead = afterRead;
        }
    }

    /** First in the pipeline: counts the reads from the socket, before TLS and the reply decoder see them. */
    private final class ReadCounter extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            reads++;
            ctx.fireChannelRead(msg);
        }
    }

    private final String peer;
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private final ArrayDeque<Reply> early = new ArrayDeque<>();
    private Channel channel;
    private ScheduledFuture<?> timer;
    private volatile UpstreamException failure;
    private Runnable writable;
    private long reads;
    private long replies;

    private UpstreamConnection(String peer) {
        this.peer = peer;
    }

    /** Opens a TCP connection; completes on the channel's event loop, or fails with a CONNECT exception. */
    static CompletableFuture<UpstreamConnection> connect(Bootstrap bootstrap, InetSocketAddress address, String peer,
                                                         Duration connectTimeout) {
        UpstreamConnection conn = new UpstreamConnection(peer);
        CompletableFuture<UpstreamConnection> result = new CompletableFuture<>();
        Bootstrap b = bootstrap.clone()
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast("reads", conn.new ReadCounter())
                                .addLast("replies", new ReplyDecoder())
                                .addLast("requests", new SmtpRequestEncoder())
                                .addLast("upstream", conn);
                    }
                });
        b.connect(address).addListener((ChannelFuture f) -> {
            if (f.isSuccess()) {
                conn.channel = f.channel();
                result.complete(conn);
            } else {
                result.completeExceptionally(UpstreamException.connect(peer, f.cause()));
            }
        });
        return result;
    }

    Channel channel() {
        return channel;
    }

    String peer() {
        return peer;
    }

    boolean isOpen() {
        return failure == null && channel != null && channel.isActive();
    }

    /** Awaits a reply no request asks for (the greeting, the reply after the final dot); null timeout: not yet timed. */
    CompletableFuture<Reply> expect(Duration timeout, String step) {
        Pending p = new Pending(timeout, step, reads);
        if (failure != null) {
            p.reply.completeExceptionally(failure);
            return p.reply;
        }
        pending.add(p);
        Reply ready = early.poll();
        if (ready != null) {
            deliver(ready);
        } else {
            armTimer();
        }
        return p.reply;
    }

    /** Writes and flushes a request and awaits its reply: one step in lock-step. */
    CompletableFuture<Reply> command(Object request, Duration timeout, String step) {
        CompletableFuture<Reply> r = send(request, timeout, step);
        flush();
        return r;
    }

    /** Writes a request (not flushed) and awaits its reply. */
    CompletableFuture<Reply> send(Object request, Duration timeout, String step) {
        CompletableFuture<Reply> reply = expect(timeout, step);
        if (failure == null) {
            if (log.isDebugEnabled()) {
                log.debug("upstream send peer={} step={}", peer, step);
            }
            channel.write(request).addListener(f -> {
                if (!f.isSuccess()) {
                    fail(UpstreamException.closed(peer, step));
                }
            });
        }
        return reply;
    }

    void flush() {
        channel.flush();
    }

    /** Starts timing the awaited reply {@code reply}, such as the final reply once the last content is written. */
    void time(CompletableFuture<Reply> reply, Duration timeout, String step) {
        for (Pending p : pending) {
            if (p.reply == reply) {
                p.timeout = timeout;
                p.step = step;
            }
        }
        armTimer();
    }

    /** Runs {@code task} on the event loop once the channel is writable (or failed), at once if it is now. */
    void whenWritable(Runnable task) {
        if (failure != null || channel.isWritable()) {
            task.run();
        } else {
            writable = task;
        }
    }

    /** Adds TLS in front of the codec (RFC 3207 section 4.2, after the 220 reply) and completes after the handshake. */
    CompletableFuture<Void> startTls(SslContext context, String host, int port) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        ReplyDecoder decoder = channel.pipeline().get(ReplyDecoder.class);
        if (!decoder.isEmpty() || !early.isEmpty()) {
            UpstreamException e = UpstreamException.protocol(peer,
                    new DecoderException("data after the 220 reply to STARTTLS, before the TLS handshake"));
            fail(e);
            done.completeExceptionally(e);
            return done;
        }
        SslHandler ssl = context.newHandler(channel.alloc(), host, port);
        channel.pipeline().addAfter("reads", "tls", ssl);
        ssl.handshakeFuture().addListener(f -> {
            if (f.isSuccess()) {
                done.complete(null);
            } else {
                UpstreamException e = UpstreamException.tls(peer, describe(f.cause()), f.cause());
                fail(e);
                done.completeExceptionally(e);
            }
        });
        return done;
    }

    boolean isEncrypted() {
        return channel.pipeline().get(SslHandler.class) != null;
    }

    /** Fails every awaited reply with {@code e} and closes the channel; the first failure wins. */
    void fail(UpstreamException e) {
        if (!channel.eventLoop().inEventLoop()) {
            channel.eventLoop().execute(() -> fail(e));
            return;
        }
        if (failure != null) {
            return;
        }
        failure = e;
        cancelTimer();
        log.debug("upstream failed peer={} error={}", peer, e.getMessage());
        Pending p;
        while ((p = pending.poll()) != null) {
            p.reply.completeExceptionally(e);
        }
        channel.close();
        runWritable();
    }

    void close() {
        channel.close();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Reply reply) {
        if (log.isDebugEnabled()) {
            log.debug("upstream reply peer={} reply=\"{}\"", peer, reply.summary());
        }
        replies++;
        Pending head = pending.peek();
        if (head == null) {
            if (replies == 1) {
                early.add(reply); // the greeting, read before the session asked for it
                return;
            }
            fail(UpstreamException.protocol(peer, new DecoderException("reply while none was awaited: "
                    + reply.summary())));
            return;
        }
        if (head.afterRead >= reads) {
            fail(UpstreamException.protocol(peer, new DecoderException("reply before its command was sent ("
                    + head.step + "): " + reply.summary())));
            return;
        }
        deliver(reply);
    }

    private void deliver(Reply reply) {
        Pending p = pending.poll();
        cancelTimer();
        armTimer();
        p.reply.complete(reply);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            runWritable();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        Pending head = pending.peek();
        fail(UpstreamException.closed(peer, head == null ? "idle" : head.step));
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable c = cause instanceof DecoderException && cause.getCause() instanceof SSLException
                ? cause.getCause() : cause;
        if (c instanceof SSLException) {
            fail(UpstreamException.tls(peer, describe(c), c));
        } else if (c instanceof DecoderException) {
            fail(UpstreamException.protocol(peer, c));
        } else {
            Pending head = pending.peek();
            fail(UpstreamException.closed(peer, head == null ? "idle" : head.step));
        }
    }

    private void armTimer() {
        Pending head = pending.peek();
        if (timer != null || head == null || head.timeout == null || failure != null) {
            return;
        }
        String step = head.step;
        timer = channel.eventLoop().schedule(() -> {
            timer = null;
            fail(UpstreamException.timeout(peer, step));
        }, head.timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void runWritable() {
        Runnable task = writable;
        writable = null;
        if (task != null) {
            task.run();
        }
    }

    private static String describe(Throwable t) {
        return t == null ? "unknown" : t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
