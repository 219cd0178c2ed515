package works.cast.relay.server.smtp;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import works.cast.relay.server.message.Reply;

/**
 * Sends the replies of one connection: those queued in one turn of the event loop leave with one flush, and a final
 * reply goes out before the connection closes. Used from the channel's event loop.
 */
final class ReplyWriter {

    // The transcript stays under the handler's logger name, where operators turn it on.
    private static final Logger log = LoggerFactory.getLogger(SmtpSessionHandler.class);

    /** How long a final reply may take to leave before the connection is closed anyway. */
    static final Duration CLOSE_GRACE = Duration.ofSeconds(10);

    private final ChannelHandlerContext ctx;
    private final String sessionId;
    private boolean flushScheduled;

    ReplyWriter(ChannelHandlerContext ctx, String sessionId) {
        this.ctx = ctx;
        this.sessionId = sessionId;
    }

    /**
     * Queues a reply; one flush at the end of the event loop's current batch sends every reply queued in it together
     * (RFC 2920 section 3.2: the replies to a pipelined MAIL, RCPT and DATA go out as one segment, not three).
     */
    void write(Reply reply) {
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

    /** Sends {@code reply} and closes the connection once it left, or after {@link #CLOSE_GRACE} at the latest. */
    void writeAndClose(Reply reply) {
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

    private void flushReplies() {
        flushScheduled = false;
        ctx.flush();
    }

    private void logReply(Reply reply) {
        if (log.isDebugEnabled()) {
            log.debug("smtp > session={} {}", sessionId, reply.summary());
        }
    }
}
