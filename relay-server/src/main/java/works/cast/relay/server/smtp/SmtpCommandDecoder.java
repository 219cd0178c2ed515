package works.cast.relay.server.smtp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Splits the client's bytes into SMTP command lines (RFC 5321 section 4.1.1 and 4.5.3.1.4: at most 512 octets
 * with CRLF) and DATA content (section 4.5.2), one mode at a time.
 *
 * <p>After each command line the decoder pauses until the session handler tells it how to go on
 * ({@link #resumeCommands()} or {@link #startData(DotUnstuffer)}), so pipelined bytes are never read in the wrong
 * mode. It emits {@code String} lines (UTF-8, without CRLF), {@link Signal#LINE_TOO_LONG}, {@link ByteBuf} content
 * chunks (owned by the receiver) and one {@link DataEnd} per message.
 */
public final class SmtpCommandDecoder extends ByteToMessageDecoder {

    /** RFC 5321 section 4.5.3.1.4: a command line is at most 512 octets including CRLF. */
    public static final int MAX_COMMAND_LINE = 512;

    /** The largest content chunk handed on at once. */
    static final int MAX_CHUNK = 64 * 1024;

    /** Out-of-band events. */
    public enum Signal { LINE_TOO_LONG }

    /** The end of the DATA content: CRLF.CRLF was read. */
    public record DataEnd(DotUnstuffer.Rejection rejection, long size) {
    }

    private enum Mode { COMMAND, PAUSED, DATA }

    private Mode mode = Mode.COMMAND;
    private boolean discardingLine;
    private DotUnstuffer data;
    private ChannelHandlerContext context;
    private boolean reading;

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
        context = ctx;
        super.handlerAdded(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        reading = true;
        try {
            super.channelRead(ctx, msg);
        } finally {
            reading = false;
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        if (mode == Mode.PAUSED) {
            // Do not ask for more input while the session is busy.
            discardSomeReadBytes();
            ctx.fireChannelReadComplete();
            return;
        }
        super.channelReadComplete(ctx);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        switch (mode) {
            case COMMAND:
                decodeLine(in, out);
                break;
            case DATA:
                decodeData(ctx, in, out);
                break;
            default:
                break;
        }
    }

    private void decodeLine(ByteBuf in, List<Object> out) {
        int start = in.readerIndex();
        if (discardingLine) {
            int crlf = indexOfCrlf(in, start, in.writerIndex());
            if (crlf < 0) {
                boolean lastIsCr = in.getByte(in.writerIndex() - 1) == '\r';
                in.readerIndex(in.writerIndex() - (lastIsCr ? 1 : 0));
                return;
            }
            in.readerIndex(crlf + 2);
            discardingLine = false;
            return;
        }
        int limit = start + Math.min(in.readableBytes(), MAX_COMMAND_LINE);
        int crlf = indexOfCrlf(in, start, limit);
        if (crlf >= 0) {
            String line = in.toString(start, crlf - start, StandardCharsets.UTF_8);
            in.readerIndex(crlf + 2);
            mode = Mode.PAUSED;
            out.add(line);
        } else if (in.readableBytes() >= MAX_COMMAND_LINE) {
            in.readerIndex(start + MAX_COMMAND_LINE - 1);
            discardingLine = true;
            mode = Mode.PAUSED;
            out.add(Signal.LINE_TOO_LONG);
        }
    }

    private static int indexOfCrlf(ByteBuf in, int from, int to) {
        for (int i = from; i < to - 1; i++) {
            if (in.getByte(i) == '\r' && in.getByte(i + 1) == '\n') {
                return i;
            }
        }
        return -1;
    }

    private void decodeData(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        int n = Math.min(in.readableBytes(), MAX_CHUNK);
        ByteBuf view = in.slice(in.readerIndex(), n);
        // A heap buffer: the receiver writes and hashes the unstuffed bytes straight from its array, without another copy.
        ByteBuf chunk = data.rejection() == DotUnstuffer.Rejection.NONE ? ctx.alloc().heapBuffer(n + 16) : Unpooled.buffer(0);
        try {
            data.update(view, chunk);
            in.skipBytes(view.readerIndex());
        } catch (RuntimeException e) {
            chunk.release();
            throw e;
        }
        if (chunk.isReadable()) {
            out.add(chunk);
        } else {
            chunk.release();
        }
        if (data.isDone()) {
            out.add(new DataEnd(data.rejection(), data.size()));
            data = null;
            mode = Mode.PAUSED;
        }
    }

    /** Reads the next command line, now or as soon as input is there. */
    public void resumeCommands() {
        resume(Mode.COMMAND);
    }

    /** Reads DATA content through {@code reader} until its end of data. */
    public void startData(DotUnstuffer reader) {
        data = reader;
        resume(Mode.DATA);
    }

    /**
     * Drops input received but not yet decoded: bytes a client pipelined after STARTTLS must not be taken as
     * commands of the TLS session (CVE-2011-0411). Returns how many bytes were dropped.
     */
    public int discardBuffered() {
        ByteBuf buffered = internalBuffer();
        int n = buffered.readableBytes();
        buffered.skipBytes(n);
        return n;
    }

    private void resume(Mode next) {
        if (mode != Mode.PAUSED) {
            throw new IllegalStateException("decoder is not paused: " + mode);
        }
        mode = next;
        if (!reading && context != null && internalBuffer().isReadable()) {
            try {
                channelRead(context, Unpooled.EMPTY_BUFFER);
            } catch (Exception e) {
                context.fireExceptionCaught(e);
            }
        }
    }
}
