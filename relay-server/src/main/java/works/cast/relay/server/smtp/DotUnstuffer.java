package works.cast.relay.server.smtp;

import io.netty.buffer.ByteBuf;
import io.netty.util.ByteProcessor;
import works.cast.relay.server.message.Reply;

/**
 * Streaming reader of SMTP DATA content (RFC 5321 section 4.5.2 and 4.1.1.4): removes dot-stuffing, finds the end
 * of data, which is only CRLF "." CRLF, and checks the content as it passes.
 *
 * <p>A bare CR or LF, a NUL, a text line over 998 octets (the transparency dot not counted) or content over the size limit marks the message rejected;
 * from then on nothing more is written, but the reader still looks for the real end of data. When bare LFs are
 * normalized, a bare LF becomes CRLF in the output but the next line is not a line start on the wire: its dot is
 * neither unstuffed nor an end of data. State is carried
 * across chunks; the initial state is "at the start of a line" (the CRLF of the DATA command counts).
 * Sizes are counted as {@code long}. Memory use does not depend on line length.
 */
public final class DotUnstuffer {

    /** Why the content was rejected, or {@code NONE}. */
    public enum Rejection { NONE, BARE_LINE_ENDING, NUL, LINE_TOO_LONG, TOO_BIG }

    private enum State { LINE_START, TEXT, CR, DOT, DOT_CR, DONE }

    /** RFC 5321 section 4.5.3.1.6: 1000 octets including CRLF. */
    public static final int MAX_LINE = 998;

    private static final byte CR = '\r';
    private static final byte LF = '\n';

    private final long maxSize;
    private final boolean normalizeBareLf;
    private final boolean fastPath;
    private State state = State.LINE_START;
    private Rejection rejection = Rejection.NONE;
    private long size;
    private long lineLength;

    /**
     * @param maxSize         content over this many bytes (after unstuffing) is rejected
     * @param normalizeBareLf a bare LF becomes CRLF instead of rejecting the message
     */
    public DotUnstuffer(long maxSize, boolean normalizeBareLf) {
        this(maxSize, normalizeBareLf, true);
    }

    /** @param fastPath false: every byte through the state machine (the reference the tests compare with) */
    DotUnstuffer(long maxSize, boolean normalizeBareLf, boolean fastPath) {
        this.fastPath = fastPath;
        if (maxSize <= 0) {
            throw new IllegalArgumentException("max size must be positive: " + maxSize);
        }
        this.maxSize = maxSize;
        this.normalizeBareLf = normalizeBareLf;
    }

    /**
     * Reads from {@code in} until it is empty or the end of data was read (the bytes after it stay in {@code in})
     * and appends the unstuffed content to {@code out}, unless the message is rejected.
     */
    public void update(ByteBuf in, ByteBuf out) {
        if (state == State.DONE) {
            throw new IllegalStateException("data already complete");
        }
        while (in.isReadable() && state != State.DONE) {
            if (fastPath && (state == State.TEXT
                    || state == State.LINE_START && in.getByte(in.readerIndex()) != '.')) {
                int run = plainRun(in);
                if (run > 0) {
                    plain(in, run, out);
                    continue;
                }
            }
            step(in.readByte(), out);
        }
    }

    /** Bytes that are neither CR, LF nor NUL: inside a text line they only count and pass. */
    private static final ByteProcessor PLAIN = b -> b != CR && b != LF && b != 0;

    private static int plainRun(ByteBuf in) {
        int from = in.readerIndex();
        int end = in.forEachByte(from, in.readableBytes(), PLAIN);
        return (end < 0 ? in.writerIndex() : end) - from;
    }

    /**
     * What {@link #step} does with {@code run} plain bytes one at a time, in one copy: each counts towards the line
     * and, until the first rejection, towards the size; the byte that crosses a limit rejects the message (the line
     * limit first, as {@link #text} checks it before {@link #emit}).
     */
    private void plain(ByteBuf in, int run, ByteBuf out) {
        long lineBefore = lineLength;
        lineLength += run;
        state = State.TEXT;
        if (rejection == Rejection.NONE) {
            long lineRoom = Math.max(0, MAX_LINE - lineBefore); // bytes before one crosses the line limit
            long sizeRoom = maxSize - size; // and the size limit (no overflow: size never passes maxSize + 1)
            long kept = Math.min(run, Math.min(lineRoom, sizeRoom));
            out.writeBytes(in, in.readerIndex(), (int) kept);
            size += kept;
            if (kept < run) {
                if (lineRoom <= sizeRoom) {
                    reject(Rejection.LINE_TOO_LONG);
                } else {
                    size++;
                    reject(Rejection.TOO_BIG);
                }
            }
        }
        in.skipBytes(run);
    }

    private void step(byte b, ByteBuf out) {
        switch (state) {
            case LINE_START:
                if (b == '.') {
                    // The transparency dot is not part of the text line (RFC 5321 section 4.5.3.1.6).
                    state = State.DOT;
                    lineLength = 0;
                } else {
                    text(b, out);
                }
                break;
            case TEXT:
                text(b, out);
                break;
            case CR:
                if (b == LF) {
                    emit(CR, out);
                    emit(LF, out);
                    startLine();
                } else {
                    reject(Rejection.BARE_LINE_ENDING);
                    state = State.TEXT;
                    text(b, out);
                }
                break;
            case DOT:
                if (b == CR) {
                    state = State.DOT_CR;
                } else {
                    state = State.TEXT;
                    text(b, out);
                }
                break;
            case DOT_CR:
                if (b == LF) {
                    state = State.DONE;
                } else {
                    reject(Rejection.BARE_LINE_ENDING);
                    state = State.TEXT;
                    text(b, out);
                }
                break;
            default:
                throw new IllegalStateException("data already complete");
        }
    }

    private void text(byte b, ByteBuf out) {
        if (b == CR) {
            state = State.CR;
            return;
        }
        if (b == LF) {
            // A bare LF is never a line start for the end-of-data check: "\n.\r\n" is content.
            if (normalizeBareLf) {
                emit(CR, out);
                emit(LF, out);
            } else {
                reject(Rejection.BARE_LINE_ENDING);
            }
            state = State.TEXT;
            lineLength = 0;
            return;
        }
        if (b == 0) {
            reject(Rejection.NUL);
        }
        if (++lineLength > MAX_LINE) {
            reject(Rejection.LINE_TOO_LONG);
        }
        emit(b, out);
        state = State.TEXT;
    }

    private void startLine() {
        state = State.LINE_START;
        lineLength = 0;
    }

    private void emit(byte b, ByteBuf out) {
        if (rejection != Rejection.NONE) {
            return;
        }
        if (++size > maxSize) {
            reject(Rejection.TOO_BIG);
            return;
        }
        out.writeByte(b);
    }

    private void reject(Rejection why) {
        if (rejection == Rejection.NONE) {
            rejection = why;
        }
    }

    /** True once CRLF.CRLF was read. */
    public boolean isDone() {
        return state == State.DONE;
    }

    /** The first reason the content was rejected, {@code NONE} when it is acceptable so far. */
    public Rejection rejection() {
        return rejection;
    }

    /** Content bytes after unstuffing, counted up to the first rejection. */
    public long size() {
        return size;
    }

    /** The reply for a rejected message. */
    public static Reply replyFor(Rejection rejection) {
        switch (rejection) {
            case BARE_LINE_ENDING:
                return Replies.bareLineEnding();
            case NUL:
                return Replies.nulInData();
            case LINE_TOO_LONG:
                return Replies.dataLineTooLong();
            case TOO_BIG:
                return Replies.messageTooBig();
            default:
                throw new IllegalArgumentException("not a rejection: " + rejection);
        }
    }
}
