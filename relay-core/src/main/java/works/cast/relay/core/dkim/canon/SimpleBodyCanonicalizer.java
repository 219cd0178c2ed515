package works.cast.relay.core.dkim.canon;

/**
 * The {@code simple} body algorithm (RFC 6376 section 3.4.3): the body unchanged, except that empty lines at its end
 * are dropped and a missing final CRLF (or an empty body) becomes one CRLF.
 *
 * <p>Each chunk goes to the sink in one piece; only the CRLFs at its end are held back (as a count) until content
 * follows them. So the body costs one backward look per chunk, and the digest sees large writes.
 */
public final class SimpleBodyCanonicalizer implements BodyCanonicalizer {

    private static final byte CR = '\r';
    private static final byte LF = '\n';

    private final ByteSink out;
    /** CRLFs seen after the last content byte; all but one are dropped if the body ends here. */
    private long heldCrlfs;
    /** The chunk ended in CR: the start of a CRLF, or a lone CR (content). */
    private boolean heldCr;

    public SimpleBodyCanonicalizer(ByteSink out) {
        this.out = out;
    }

    @Override
    public void update(byte[] b, int off, int len) {
        int end = off + len;
        if (len == 0) {
            return;
        }
        if (heldCr) {
            heldCr = false;
            if (b[off] == LF) {
                heldCrlfs++;
                off++;
                if (off == end) {
                    return;
                }
            } else {
                releaseHeld();
                out.write(Bytes.CR_ONLY, 0, 1);
            }
        }
        int contentEnd = end;
        boolean endsInCr = b[end - 1] == CR;
        if (endsInCr) {
            contentEnd--;
        }
        long trailing = 0;
        while (contentEnd - 2 >= off && b[contentEnd - 2] == CR && b[contentEnd - 1] == LF) {
            contentEnd -= 2;
            trailing++;
        }
        if (contentEnd > off) {
            releaseHeld();
            out.write(b, off, contentEnd - off);
            heldCrlfs = trailing;
        } else {
            heldCrlfs += trailing;
        }
        heldCr = endsInCr;
    }

    private void releaseHeld() {
        for (; heldCrlfs > 0; heldCrlfs--) {
            out.write(Bytes.CRLF, 0, 2);
        }
    }

    @Override
    public void finish() {
        if (heldCr) {
            heldCr = false;
            releaseHeld();
            out.write(Bytes.CR_ONLY, 0, 1);
        }
        // The last content line's CRLF, or the one CRLF that a body without a final CRLF, or an empty body, gets.
        out.write(Bytes.CRLF, 0, 2);
        heldCrlfs = 0;
    }
}
