package works.cast.relay.server.delivery;

import io.netty.buffer.ByteBuf;
import io.netty.util.ByteProcessor;

/**
 * Streaming writer of SMTP DATA content (RFC 5321 section 4.5.2): doubles a {@code .} at the start of every line.
 * State is carried across chunks; the initial state is "at the start of a line" (the CRLF after {@code 354} counts).
 * Only CRLF ends a line, as on the receiving side. {@link #finish} adds the CRLF that must precede the final
 * {@code .CRLF} when the content does not end with one; the caller then sends {@code .CRLF} (Netty's
 * {@code SmtpRequestEncoder} does for a {@code LastSmtpContent}, and sends all content as-is, so stuffing is ours).
 */
public final class DotStuffer {

    private enum State { LINE_START, TEXT, CR }

    private State state = State.LINE_START;
    private long written;
    private boolean finished;

    /** Copies the readable bytes of {@code in} to {@code out}, stuffed; {@code in} is fully consumed. */
    public void update(ByteBuf in, ByteBuf out) {
        if (finished) {
            throw new IllegalStateException("dot stuffer already finished");
        }
        int from = in.readerIndex();
        int end = in.writerIndex();
        int copied = from;
        for (int i = from; i < end; i++) {
            if (state == State.TEXT) {
                // Inside a line only a CR can matter: jump to the next one.
                int cr = in.forEachByte(i, end - i, ByteProcessor.FIND_CR);
                if (cr < 0) {
                    break;
                }
                i = cr;
                state = State.CR;
                continue;
            }
            byte b = in.getByte(i);
            switch (state) {
                case LINE_START:
                    if (b == '.') {
                        out.writeBytes(in, copied, i - copied);
                        out.writeByte('.');
                        written += i - copied + 1;
                        copied = i;
                    }
                    state = b == '\r' ? State.CR : State.TEXT;
                    break;
                case TEXT:
                    if (b == '\r') {
                        state = State.CR;
                    }
                    break;
                case CR:
                    state = b == '\n' ? State.LINE_START : b == '\r' ? State.CR : State.TEXT;
                    break;
                default:
                    throw new IllegalStateException("state " + state);
            }
        }
        out.writeBytes(in, copied, end - copied);
        written += end - copied;
        in.readerIndex(end);
    }

    /**
     * Ends the content: writes CRLF to {@code out} unless the content is empty or already ends with CRLF, so that
     * the {@code .CRLF} that follows ends the data.
     */
    public void finish(ByteBuf out) {
        if (finished) {
            throw new IllegalStateException("dot stuffer already finished");
        }
        finished = true;
        if (state != State.LINE_START) {
            out.writeByte('\r').writeByte('\n');
            written += 2;
        }
    }

    /** Bytes written so far, stuffing included. */
    public long written() {
        return written;
    }
}
