package works.cast.relay.core.dkim.canon;

/**
 * The {@code simple} body algorithm (RFC 6376 section 3.4.3): the body unchanged, except that empty lines at its end
 * are dropped and a missing final CRLF (or an empty body) becomes one CRLF.
 *
 * <p>Bytes pass straight through to the sink; only a trailing run of CRLFs is held back until content follows it.
 */
public final class SimpleBodyCanonicalizer implements BodyCanonicalizer {

    private static final byte CR = '\r';
    private static final byte LF = '\n';

    private final ByteSink out;
    private long heldEmptyLines;
    private boolean heldCr;
    private boolean lineHasContent;
    private boolean wroteAnything;

    public SimpleBodyCanonicalizer(ByteSink out) {
        this.out = out;
    }

    @Override
    public void update(byte[] b, int off, int len) {
        int end = off + len;
        int i = off;
        while (i < end) {
            if (heldCr) {
                heldCr = false;
                if (b[i] == LF) {
                    endOfLine();
                    i++;
                    continue;
                }
                content(Bytes.CR_ONLY, 0, 1); // a lone CR is ordinary content
            }
            if (b[i] == CR) {
                heldCr = true;
                i++;
                continue;
            }
            int start = i;
            while (i < end && b[i] != CR) {
                i++;
            }
            content(b, start, i - start);
        }
    }

    private void content(byte[] b, int off, int len) {
        while (heldEmptyLines > 0) {
            out.write(Bytes.CRLF, 0, 2);
            heldEmptyLines--;
        }
        out.write(b, off, len);
        lineHasContent = true;
        wroteAnything = true;
    }

    private void endOfLine() {
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
            content(Bytes.CR_ONLY, 0, 1);
        }
        if (lineHasContent || !wroteAnything) {
            out.write(Bytes.CRLF, 0, 2);
        }
        heldEmptyLines = 0;
        lineHasContent = false;
    }
}
