package works.cast.relay.server.smtp;

import io.netty.channel.ChannelHandlerContext;
import java.util.EnumSet;
import java.util.Set;

/**
 * Why one connection does not read from its socket now. The connection reads only while there is no reason and the
 * channel is writable; each reason is set and cleared by the part of the session that owns it. Used from the
 * channel's event loop.
 */
final class ReadPauses {

    /** A reason not to read. */
    enum Reason {
        /** The session waits for an answer from elsewhere: AUTH, the sender gate, the end of DATA, room for DATA. */
        ANSWER,
        /** The message sink cannot take more bytes until it calls back. */
        SINK,
        /**
         * The replies already queued fill the write buffer (the client does not read them): neither buffered nor new
         * input is read until the channel is writable again, so a client that pipelines commands and never reads
         * costs at most the write buffer's high-water mark.
         */
        UNREAD_REPLIES,
        /** The connection is closing. */
        CLOSING
    }

    private final ChannelHandlerContext ctx;
    private final SmtpCommandDecoder decoder;
    private final Set<Reason> reasons = EnumSet.noneOf(Reason.class);

    ReadPauses(ChannelHandlerContext ctx, SmtpCommandDecoder decoder) {
        this.ctx = ctx;
        this.decoder = decoder;
    }

    void pause(Reason reason) {
        reasons.add(reason);
        apply();
    }

    void unpause(Reason reason) {
        reasons.remove(reason);
        apply();
    }

    /** Clears a reason without touching the channel; the caller's next {@link #pause} or {@link #unpause} applies it. */
    void drop(Reason reason) {
        reasons.remove(reason);
    }

    boolean has(Reason reason) {
        return reasons.contains(reason);
    }

    /** Lets the decoder hand over the next command, unless the replies queued fill the write buffer. */
    void nextCommand() {
        if (ctx.channel().isWritable()) {
            decoder.resumeCommands();
        } else {
            pause(Reason.UNREAD_REPLIES);
        }
    }

    /** The channel's writability changed: read again when the client has taken its replies. */
    void writabilityChanged() {
        boolean resume = ctx.channel().isWritable() && has(Reason.UNREAD_REPLIES) && !has(Reason.CLOSING);
        if (resume) {
            reasons.remove(Reason.UNREAD_REPLIES);
        }
        apply();
        if (resume) {
            decoder.resumeCommands();
        }
    }

    private void apply() {
        ctx.channel().config().setAutoRead(reasons.isEmpty() && ctx.channel().isWritable());
    }
}
