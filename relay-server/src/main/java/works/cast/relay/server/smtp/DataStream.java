package works.cast.relay.server.smtp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import works.cast.relay.server.message.Reply;
import works.cast.relay.server.net.LogText;

/**
 * The DATA part of one connection: room for the message before its {@code 354}, the hand-over of each chunk to the
 * {@link MessageSink} (pausing the socket while the sink is full), and the reply at the end of the content. Used from
 * the channel's event loop.
 *
 * <pre>
 * C: DATA     -> receiver.admit (waits, unread, while intake memory is full) -> open -> S: 354
 * C: chunks   -> sink.write (false: stop reading until the sink calls back)
 * C: .        -> sink.finish -> S: 250 / 4xx / 5xx     (or DotUnstuffer's rejection, and sink.abort)
 * </pre>
 */
final class DataStream {

    private static final Logger log = LoggerFactory.getLogger(SmtpSessionHandler.class);

    private final SmtpSessionHandler handler;
    private final ChannelHandlerContext ctx;
    private final SmtpServerSettings settings;
    private final MessageReceiver receiver;
    private final SmtpCommandDecoder decoder;
    private final SmtpSession session;
    private final ReplyWriter replies;
    private final ReadPauses pauses;
    private MessageSink sink;
    private int messages;

    DataStream(SmtpSessionHandler handler, ChannelHandlerContext ctx, SmtpServerSettings settings,
               MessageReceiver receiver, SmtpCommandDecoder decoder, SmtpSession session, ReplyWriter replies,
               ReadPauses pauses) {
        this.handler = handler;
        this.ctx = ctx;
        this.settings = settings;
        this.receiver = receiver;
        this.decoder = decoder;
        this.session = session;
        this.replies = replies;
        this.pauses = pauses;
    }

    /** The session accepted DATA: {@code go} is its 354, sent once the receiver has room and a sink is open. */
    void start(Reply go) {
        if (!receiver.admit(() -> ctx.executor().execute(() -> admittedLater(go)))) {
            log.debug("smtp data waits for intake memory session={}", session.sessionId());
            handler.await();
            handler.arm(settings.limits().commandTimeout()); // a client that waits this long for its 354 gets 421
            return;
        }
        open(go);
    }

    private void admittedLater(Reply go) {
        if (pauses.has(ReadPauses.Reason.CLOSING) || !ctx.channel().isActive()) {
            return;
        }
        if (!receiver.admit(() -> ctx.executor().execute(() -> admittedLater(go)))) {
            return;
        }
        pauses.unpause(ReadPauses.Reason.ANSWER);
        open(go);
    }

    private void open(Reply go) {
        MessageSink opened;
        try {
            opened = receiver.open(session.sessionInfo(), session.envelope(), this::resumeFromSink);
        } catch (RuntimeException e) {
            log.warn("smtp receiver failed session={}", session.sessionId(), e);
            session.onDataComplete();
            replies.write(Replies.localError());
            decoder.resumeCommands();
            return;
        }
        sink = opened;
        replies.write(go);
        handler.arm(settings.limits().dataTimeout());
        decoder.startData(new DotUnstuffer(settings.limits().messageSize(),
                settings.bareLf() == SmtpServerSettings.BareLfMode.NORMALIZE));
    }

    /** One chunk of content, dot-unstuffed by the decoder. */
    void content(ByteBuf chunk) {
        if (sink == null) {
            chunk.release();
            return;
        }
        if (!sink.write(chunk)) {
            pauses.pause(ReadPauses.Reason.SINK);
        }
    }

    private void resumeFromSink() {
        ctx.executor().execute(() -> pauses.unpause(ReadPauses.Reason.SINK));
    }

    /** The content ended (CRLF.CRLF), accepted by the decoder or not: the reply follows once the sink answers. */
    void end(SmtpCommandDecoder.DataEnd end) {
        session.onDataComplete();
        MessageSink done = sink;
        sink = null;
        pauses.drop(ReadPauses.Reason.SINK);
        messages++;
        if (end.rejection() != DotUnstuffer.Rejection.NONE) {
            done.abort("rejected: " + end.rejection().name().toLowerCase(Locale.ROOT));
            Reply reply = DotUnstuffer.replyFor(end.rejection());
            log.info("smtp data rejected session={} reason={} bytes={}", session.sessionId(), end.rejection(),
                    end.size());
            replies.write(reply);
            handler.resume();
            return;
        }
        handler.await();
        done.finish().whenComplete((reply, error) -> ctx.executor().execute(() -> {
            Reply r = reply;
            if (error != null || reply == null) {
                log.warn("smtp finish failed session={}", session.sessionId(), error);
                r = Replies.localError();
            }
            log.info("smtp data session={} bytes={} reply=\"{}\"", session.sessionId(), end.size(),
                    LogText.quoted(r.summary()));
            if (r.isPositive()) {
                session.onMessageAccepted();
            }
            if (ctx.channel().isActive()) {
                replies.write(r);
                handler.resume();
            }
        }));
    }

    /** The connection is closing or gone: the message under way, if any, is void. */
    void abort(String reason) {
        if (sink != null) {
            MessageSink s = sink;
            sink = null;
            s.abort(reason);
        }
    }

    /** Messages whose content ended on this connection, accepted or not. */
    int messages() {
        return messages;
    }
}
