package works.cast.relay.core.mail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Finds the header block at the start of a message stream and splits it into fields (RFC 5322 section 2.2).
 *
 * <p>Feed bytes with {@link #update}; it returns how many of them belonged to the header block, so the caller can
 * send the rest to the body. The block ends after the first empty line (CRLF CRLF, or an empty first line); a message
 * without an empty line is all header. Memory is bounded by {@code maxBytes}: a longer block throws
 * {@link HeaderTooLargeException}. Not thread-safe.
 */
public final class HeaderParser {

    private final long maxBytes;
    private byte[] buf = new byte[4096];
    private int size;
    private boolean done;
    /** Bytes of the separator line (CRLF) seen so far, so that the body starts after it. */
    private int state; // 0: mid-line, 1: saw CR, 2: at line start, 3: saw CR at line start

    public HeaderParser(long maxBytes) {
        this.maxBytes = maxBytes;
        this.state = 2;
    }

    /** True once the empty line that ends the header block was seen. */
    public boolean isComplete() {
        return done;
    }

    /** Bytes of the header block held so far. */
    public int heldBytes() {
        return size;
    }

    /**
     * Consumes header bytes from {@code b}.
     *
     * @return the number of bytes consumed; less than {@code len} only when the header block ended inside this chunk
     */
    public int update(byte[] b, int off, int len) {
        if (done) {
            return 0;
        }
        int i = off;
        int end = off + len;
        while (i < end) {
            byte c = b[i++];
            switch (state) {
                case 0 -> state = c == '\r' ? 1 : 0;
                case 1 -> state = c == '\n' ? 2 : (c == '\r' ? 1 : 0);
                case 2 -> state = c == '\r' ? 3 : 0;
                case 3 -> {
                    if (c == '\n') {
                        done = true; // the separator is not part of the header block
                        size -= 1;   // drop its CR, which was appended
                        return i - off;
                    }
                    state = c == '\r' ? 1 : 0;
                }
                default -> throw new IllegalStateException("state " + state);
            }
            append(c);
        }
        return len;
    }

    private void append(byte c) {
        if (size == buf.length) {
            if (size >= maxBytes) {
                throw new HeaderTooLargeException(maxBytes);
            }
            buf = Arrays.copyOf(buf, (int) Math.min(Math.max(maxBytes, 1), (long) buf.length * 2));
        }
        buf[size++] = c;
        if (size > maxBytes) {
            throw new HeaderTooLargeException(maxBytes);
        }
    }

    /** The fields read so far (all of them once {@link #isComplete()}, or at end of a message without a body). */
    public HeaderBlock headers() {
        return split(buf, size);
    }

    /** Splits raw header bytes into fields: a field starts at a line that does not begin with SP or HTAB. */
    static HeaderBlock split(byte[] b, int len) {
        List<HeaderField> fields = new ArrayList<>();
        int start = 0;
        int i = 0;
        while (i < len) {
            int lineEnd = i;
            while (lineEnd < len && b[lineEnd] != '\n') {
                lineEnd++;
            }
            int next = Math.min(len, lineEnd + 1);
            boolean continuation = next < len && (b[next] == ' ' || b[next] == '\t');
            if (!continuation) {
                fields.add(HeaderField.of(b, start, next - start));
                start = next;
            }
            i = next;
        }
        return new HeaderBlock(fields);
    }

    /** Parses a complete header block given as bytes (for tests and tools). */
    public static HeaderBlock parse(byte[] headerBytes) {
        return split(headerBytes, headerBytes.length);
    }
}
