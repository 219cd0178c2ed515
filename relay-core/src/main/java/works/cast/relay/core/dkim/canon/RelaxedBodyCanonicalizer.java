package works.cast.relay.core.dkim.canon;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The {@code relaxed} body algorithm (RFC 6376 section 3.4.4): whitespace at line ends removed, other runs of
 * SP/HTAB reduced to one SP, empty lines at the end dropped, and a CRLF added to a non-empty body that lacks one.
 * An empty body (or one of only blank lines) canonicalizes to nothing.
 *
 * <p>Hot path: text passes unchanged except around repeated whitespace and trailing empty lines, so runs of bytes
 * that pass unchanged are found 32 bytes a step by {@link VectorRunScanner} when the JVM has the Vector API
 * ({@code --add-modules jdk.incubator.vector}), else eight bytes at a time (without a branch per space: a
 * mispredicted branch costs more than hashing the byte). Short runs are gathered in a 64 KiB buffer so the sink
 * sees large writes; long runs go to the sink straight from the caller's array.
 */
public final class RelaxedBodyCanonicalizer implements BodyCanonicalizer {

    private static final byte CR = '\r';
    private static final byte LF = '\n';
    private static final byte SP = ' ';
    private static final byte TAB = '\t';

    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long LOW7 = 0x7F7F7F7F7F7F7F7FL;
    private static final long HIGH = 0x8080808080808080L;
    private static final long SPACES = 0x2020202020202020L;

    /** Runs at least this long skip the buffer. */
    private static final int DIRECT_RUN = 4096;
    private static final boolean VECTOR_SCAN = vectorScanUsable();

    private final ByteSink out;
    private final boolean vector;
    private final byte[] buf = new byte[64 * 1024];
    private int pos;

    private long heldEmptyLines;
    private boolean heldCr;
    private boolean heldSpace;
    private boolean lineHasContent;

    public RelaxedBodyCanonicalizer(ByteSink out) {
        this(out, VECTOR_SCAN);
    }

    /** Tests choose the scan; both give the same bytes. */
    RelaxedBodyCanonicalizer(ByteSink out, boolean vector) {
        this.out = out;
        this.vector = vector;
    }

    /** True when relaxed body runs are scanned with the Vector API in this JVM (for the startup log). */
    public static boolean vectorScan() {
        return VECTOR_SCAN;
    }

    private static boolean vectorScanUsable() {
        if (!Boolean.parseBoolean(System.getProperty("dkim-relay.vector-scan", "true"))
                || ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return false;
        }
        try {
            return VectorRunScanner.fast();
        } catch (LinkageError e) {
            return false;
        }
    }

    /** True for bytes that pass unchanged: everything but SP, HTAB, CR and LF. */
    static boolean plain(byte c) {
        return (c & 0xFF) > SP || (c != SP && c != TAB && c != CR && c != LF);
    }

    /** Marks (bit 7 of each byte) the bytes below 0x20: CR, LF, HTAB and other controls. */
    private static long controls(long w) {
        return ~(((w & LOW7) + 0x6060606060606060L) | w) & HIGH;
    }

    /** Marks the bytes at or below 0x20: whitespace and controls. */
    private static long whitespaceOrControls(long w) {
        return ~(((w & LOW7) + 0x5F5F5F5F5F5F5F5FL) | w) & HIGH;
    }

    /** Marks the SP bytes. */
    private static long spaces(long w) {
        long y = w ^ SPACES;
        return ~(((y & LOW7) + LOW7) | y | LOW7);
    }

    @Override
    public void update(byte[] b, int off, int len) {
        int end = off + len;
        int i = off;
        while (i < end) {
            byte c = b[i];
            if (heldCr) {
                heldCr = false;
                if (c == LF) {
                    endOfLine();
                    i++;
                    continue;
                }
                beforeContent();
                put(Bytes.CR_ONLY, 0, 1); // a lone CR is content
                lineHasContent = true;
            }
            if (plain(c) || c == LF) { // a bare LF is content too, as in other verifiers
                beforeContent();
                int start = i++;
                i = vector ? VectorRunScanner.scan(b, i, end) : scanRun(b, i, end);
                put(b, start, i - start);
                lineHasContent = true;
                continue;
            }
            if (c == CR) {
                heldCr = true;
            } else { // SP or HTAB: one SP if content follows on this line, nothing if the line ends
                heldSpace = true;
            }
            i++;
        }
    }

    /**
     * Extends a run of bytes that pass unchanged, from {@code i}: eight bytes at a time while no byte is a control
     * and no SP is followed by whitespace; a CRLF inside the run stays in it when the next line starts with content
     * (so it can be neither trailing whitespace nor a trailing empty line). Returns the end of the run.
     */
    private static int scanRun(byte[] b, int i, int end) {
        while (i + 9 <= end) {
            long w = (long) LONG.get(b, i);
            long bad = controls(w) | (spaces(w) & whitespaceOrControls((long) LONG.get(b, i + 1)));
            if (bad == 0) {
                i += 8;
                continue;
            }
            i += Long.numberOfTrailingZeros(bad) >>> 3;
            byte d = b[i];
            if (d == CR && b[i + 1] == LF && i + 2 < end && plain(b[i + 2]) && b[i - 1] != SP && b[i - 1] != TAB) {
                i += 3; // CRLF between two content lines
            } else if (d != SP && d != TAB && d != CR && d != LF) {
                i++; // another control character: content
            } else {
                return i;
            }
        }
        return scanTail(b, i, end);
    }

    /** The last bytes of a chunk, one at a time: content, and single SPs between content. */
    static int scanTail(byte[] b, int i, int end) {
        while (i < end) {
            byte d = b[i];
            if (plain(d)) {
                i++;
            } else if (d == SP && i + 1 < end && plain(b[i + 1])) {
                i += 2;
            } else {
                break;
            }
        }
        return i;
    }

    private void beforeContent() {
        for (; heldEmptyLines > 0; heldEmptyLines--) {
            put(Bytes.CRLF, 0, 2);
        }
        if (heldSpace) {
            put(Bytes.SP, 0, 1);
            heldSpace = false;
        }
    }

    private void endOfLine() {
        heldSpace = false;
        if (lineHasContent) {
            put(Bytes.CRLF, 0, 2);
            lineHasContent = false;
        } else {
            heldEmptyLines++;
        }
    }

    private void put(byte[] b, int off, int len) {
        if (len >= DIRECT_RUN || len > buf.length - pos) {
            flush();
            if (len >= DIRECT_RUN) {
                out.write(b, off, len);
                return;
            }
        }
        System.arraycopy(b, off, buf, pos, len);
        pos += len;
    }

    private void flush() {
        if (pos > 0) {
            out.write(buf, 0, pos);
            pos = 0;
        }
    }

    @Override
    public void finish() {
        if (heldCr) {
            heldCr = false;
            beforeContent();
            put(Bytes.CR_ONLY, 0, 1);
            lineHasContent = true;
        }
        heldSpace = false;
        if (lineHasContent) {
            put(Bytes.CRLF, 0, 2);
        }
        heldEmptyLines = 0;
        lineHasContent = false;
        flush();
    }
}
