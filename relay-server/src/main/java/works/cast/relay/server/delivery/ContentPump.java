package works.cast.relay.server.delivery;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.smtp.DefaultLastSmtpContent;
import io.netty.handler.codec.smtp.DefaultSmtpContent;
import io.netty.handler.codec.smtp.SmtpContent;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import works.cast.relay.server.message.MessageContent;
import works.cast.relay.server.message.Reply;
import works.cast.relay.server.smtp.Replies;

/**
 * Streams one message's content after {@code 354} (RFC 5321 section 4.1.1.4): reads 64 KiB chunks on an I/O thread,
 * dot-stuffs them and writes one at a time, reading the next only while the channel is writable. Each chunk must
 * be written within the command timeout. The last chunk is a {@code LastSmtpContent}, after which the encoder sends
 * {@code .CRLF} and the final reply is timed with the data timeout.
 */
final class ContentPump {

    static final int CHUNK = 64 * 1024;

    private final UpstreamConnection conn;
    private final MessageContent content;
    private final Executor io;
    private final CompletableFuture<Reply> finalReply;
    private final Duration blockTimeout;
    private final Duration dataTimeout;
    private final DotStuffer stuffer = new DotStuffer();
    private final byte[] buffer = new byte[CHUNK];
    private ReadableByteChannel in;
    private volatile boolean completed;

    ContentPump(UpstreamConnection conn, MessageContent content, Executor io,
                CompletableFuture<Reply> finalReply, Duration blockTimeout, Duration dataTimeout) {
        this.conn = conn;
        this.content = content;
        this.io = io;
        this.finalReply = finalReply;
        this.blockTimeout = blockTimeout;
        this.dataTimeout = dataTimeout;
    }

    /** Starts pumping on the I/O executor; the outcome shows in {@code finalReply}. */
    void start() {
        io.execute(this::pump);
    }

    private void pump() {
        Channel ch = conn.channel();
        try {
            if (in == null) {
                in = content.open();
            }
            if (finalReply.isDone() || !conn.isOpen()) {
                closeInput();
                return;
            }
            int n = read();
            if (n < 0) {
                ByteBuf tail = Unpooled.buffer(2);
                stuffer.finish(tail);
                closeInput();
                ch.eventLoop().execute(() -> write(new DefaultLastSmtpContent(tail), true));
                return;
            }
            ByteBuf out = ch.alloc().buffer(n + n / 2 + 2);
            stuffer.update(Unpooled.wrappedBuffer(buffer, 0, n), out);
            ch.eventLoop().execute(() -> {
                write(new DefaultSmtpContent(out), false);
                conn.whenWritable(() -> io.execute(this::pump));
            });
        } catch (IOException | RuntimeException e) {
            closeInput();
            conn.fail(new UpstreamException(UpstreamException.Kind.LOCAL,
                    Replies.cannotReadMessage(),
                    "cannot read message content: " + e, e));
        }
    }

    /** Fills the buffer as far as the file allows; -1 at the end. */
    private int read() throws IOException {
        ByteBuffer b = ByteBuffer.wrap(buffer);
        while (b.hasRemaining()) {
            int n = in.read(b);
            if (n < 0) {
                break;
            }
        }
        return b.position() == 0 ? -1 : b.position();
    }

    /** On the event loop: writes one chunk, timing it; the last one starts the data timeout of the final reply. */
    private void write(SmtpContent chunk, boolean last) {
        if (!conn.isOpen()) {
            chunk.release();
            return;
        }
        Channel ch = conn.channel();
        ScheduledFuture<?> timer = ch.eventLoop().schedule(
                () -> conn.fail(UpstreamException.timeout(conn.peer(), "writing message content")),
                blockTimeout.toNanos(), TimeUnit.NANOSECONDS);
        ch.writeAndFlush(chunk).addListener(f -> {
            timer.cancel(false);
            if (!f.isSuccess()) {
                conn.fail(UpstreamException.closed(conn.peer(), "message content"));
            } else if (last) {
                completed = true;
                conn.time(finalReply, dataTimeout, "reply to end of data");
            }
        });
    }

    /** True once the last content, and so the final dot, is written. */
    boolean completed() {
        return completed;
    }

    private void closeInput() {
        if (in != null) {
            try {
                in.close();
            } catch (IOException ignored) {
                // Read-only; nothing is lost.
            }
            in = null;
        }
    }
}
