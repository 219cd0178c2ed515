package works.cast.relay.core.dkim.canon;

import java.io.ByteArrayOutputStream;
import works.cast.relay.core.mail.HeaderField;

/** Header field canonicalization (RFC 6376 sections 3.4.1 and 3.4.2). */
public final class HeaderCanonicalizer {

    private HeaderCanonicalizer() {
    }

    /**
     * Appends the canonical form of a header field to {@code out}, with its CRLF.
     * {@code simple} is the field unchanged; {@code relaxed} lower-cases the name, unfolds, reduces whitespace runs to
     * one SP and removes whitespace at the end of the value and around the colon.
     */
    public static void canonicalize(Canonicalization c, HeaderField field, ByteArrayOutputStream out) {
        byte[] raw = field.raw();
        if (c == Canonicalization.SIMPLE) {
            out.write(raw, 0, raw.length);
            if (!endsWithCrlf(raw)) {
                out.write('\r');
                out.write('\n');
            }
            return;
        }
        relaxed(raw, field.lowerName(), field.valueOffset(), field.valueLength(), out);
        out.write('\r');
        out.write('\n');
    }

    /**
     * The canonical form without the final CRLF, as the DKIM-Signature field being created or verified is hashed
     * (RFC 6376 section 3.7). {@code raw} is the field text with the {@code b=} value already removed.
     */
    public static void canonicalizeWithoutCrlf(Canonicalization c, HeaderField field, ByteArrayOutputStream out) {
        byte[] raw = field.raw();
        if (c == Canonicalization.SIMPLE) {
            int len = raw.length;
            if (endsWithCrlf(raw)) {
                len -= 2;
            }
            out.write(raw, 0, len);
            return;
        }
        relaxed(raw, field.lowerName(), field.valueOffset(), field.valueLength(), out);
    }

    private static void relaxed(byte[] raw, String lowerName, int valueOff, int valueLen, ByteArrayOutputStream out) {
        for (int i = 0; i < lowerName.length(); i++) {
            out.write(lowerName.charAt(i));
        }
        out.write(':');
        boolean pendingSpace = false;
        boolean seenContent = false;
        for (int i = valueOff; i < valueOff + valueLen; i++) {
            byte c = raw[i];
            if (c == '\r' || c == '\n') {
                continue; // unfolding
            }
            if (c == ' ' || c == '\t') {
                pendingSpace = seenContent; // whitespace after the colon is dropped
                continue;
            }
            if (pendingSpace) {
                out.write(' ');
                pendingSpace = false;
            }
            out.write(c);
            seenContent = true;
        }
    }

    private static boolean endsWithCrlf(byte[] raw) {
        int n = raw.length;
        return n >= 2 && raw[n - 2] == '\r' && raw[n - 1] == '\n';
    }
}
