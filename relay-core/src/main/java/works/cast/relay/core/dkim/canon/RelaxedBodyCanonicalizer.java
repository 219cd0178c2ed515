package works.cast.relay.core.dkim.canon;

/**
 * The {@code relaxed} body algorithm (RFC 6376 section 3.4.4): whitespace at line ends removed, other runs of
 * SP/HTAB reduced to one SP, empty lines at the end dropped, and a CRLF added to a non-empty body that lacks one.
 * An empty body (or one of only blank lines) canonicalizes to nothing.
 *
 * <p>The hot path hands whole runs of the input to the sink: a run continues through a single SP that is followed by
 * a visible character, so ordinary text reaches the digest a line at a time without being copied.
 */
public final class RelaxedBodyCanonicalizer implements BodyCanonicalizer {

    private static final byte CR = '\r';
    private static final byte LF = '\n';
    private static final byte SP = ' ';
    private static final byte TAB = '\t';

    private final ByteSink out;
    private long heldEmptyLines;
    private boolean heldCr;
    private boolean heldSpace;
    private boolean lineHasContent;

    public RelaxedBodyCanonicalizer(ByteSink out) {
        this.out = out;
    }

    /** True for bytes that pass unchanged: everything but SP, HTAB, CR and LF. */
    private static boolean plain(byte c) {
        return (c & 0xFF) > SP || (c != SP && c != TAB && c != CR && c != LF);
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
                emitContent(Bytes.CR_ONLY, 0, 1); // a lone CR is content
            }
            if (plain(c) || c == LF) { // a bare LF is content too, as in other verifiers
                int start = i++;
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
                emitContent(b, start, i - start);
                continue;
            }
            if (c == CR) {
                heldCr = true;
            } else { // SP or HTAB: becomes one SP if content follows on this line, nothing if CRLF does
                heldSpace = true;
            }
            i++;
        }
    }

    private void emitContent(byte[] b, int off, int len) {
        while (heldEmptyLines > 0) {
            out.write(Bytes.CRLF, 0, 2);
            heldEmptyLines--;
        }
        if (heldSpace) {
            out.write(Bytes.SP, 0, 1);
            heldSpace = false;
        }
        out.write(b, off, len);
        lineHasContent = true;
    }

    private void endOfLine() {
        heldSpace = false;
        if (lineHasContent) {
            out.write(Bytes.CRLF, 0, 2);
            lineHasContent = false;
        } else {
            heldEmptyLines++;
        }
    }

    @Override
    public void finish() {
        if (heldCr) {
            heldCr = false;
            emitContent(Bytes.CR_ONLY, 0, 1);
        }
        heldSpace = false;
        if (lineHasContent) {
            out.write(Bytes.CRLF, 0, 2);
        }
        heldEmptyLines = 0;
        lineHasContent = false;
    }
}
