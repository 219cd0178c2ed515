package works.cast.relay.core.mail;

import works.cast.relay.core.dkim.canon.ByteSink;

/**
 * Turns a message stored with Unix line ends into its wire form: each LF not preceded by CR becomes CRLF
 * (RFC 5322 section 2.3: CR and LF only occur together as CRLF). Streaming; state is carried across chunks.
 */
public final class LfToCrlf {

    private static final byte[] CRLF = {'\r', '\n'};

    private final ByteSink out;
    private boolean lastWasCr;

    public LfToCrlf(ByteSink out) {
        this.out = out;
    }

    public void update(byte[] b, int off, int len) {
        int start = off;
        int end = off + len;
        for (int i = off; i < end; i++) {
            if (b[i] == '\n' && !(i > off ? b[i - 1] == '\r' : lastWasCr)) {
                out.write(b, start, i - start);
                out.write(CRLF, 0, 2);
                start = i + 1;
            }
        }
        out.write(b, start, end - start);
        if (len > 0) {
            lastWasCr = b[end - 1] == '\r';
        }
    }
}
