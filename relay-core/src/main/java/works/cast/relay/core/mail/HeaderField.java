package works.cast.relay.core.mail;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;

/**
 * One header field exactly as it appeared in the message (RFC 5322 section 2.2): name, colon, value and every
 * folding line, including the final CRLF when there was one. Keeping the raw bytes is what lets {@code simple}
 * header canonicalization be the identity.
 */
public final class HeaderField {

    private final byte[] raw;
    private final int colon;
    private final int nameEnd;
    private final String name;
    private final String lowerName;

    private HeaderField(byte[] raw) {
        this.raw = raw;
        int c = indexOf(raw, (byte) ':');
        this.colon = c;
        int nameEnd = c < 0 ? trimmedLineLength(raw) : c;
        while (nameEnd > 0 && (raw[nameEnd - 1] == ' ' || raw[nameEnd - 1] == '\t')) {
            nameEnd--;
        }
        this.nameEnd = nameEnd;
        this.name = new String(raw, 0, nameEnd, StandardCharsets.ISO_8859_1);
        this.lowerName = name.toLowerCase(Locale.ROOT);
    }

    /** Wraps raw field bytes (copied). */
    public static HeaderField of(byte[] raw, int off, int len) {
        return new HeaderField(Arrays.copyOfRange(raw, off, off + len));
    }

    /** Builds a field from text such as {@code "Date: Fri, 11 Jul 2003 21:00:37 -0700\r\n"} (UTF-8). */
    public static HeaderField parse(String text) {
        return new HeaderField(text.getBytes(StandardCharsets.UTF_8));
    }

    private static int indexOf(byte[] b, byte v) {
        for (int i = 0; i < b.length; i++) {
            if (b[i] == v) {
                return i;
            }
            if (b[i] == '\r' || b[i] == '\n') {
                return -1; // the name ends on its first line
            }
        }
        return -1;
    }

    private static int trimmedLineLength(byte[] b) {
        int n = 0;
        while (n < b.length && b[n] != '\r' && b[n] != '\n') {
            n++;
        }
        return n;
    }

    /** The field name as written, without whitespace before the colon. */
    public String name() {
        return name;
    }

    /** The field name in ASCII lower case, for matching. */
    public String lowerName() {
        return lowerName;
    }

    /** True when the name matches {@code other} ignoring ASCII case. */
    public boolean is(String other) {
        return lowerName.equals(other.toLowerCase(Locale.ROOT));
    }

    /** True when the field has a colon, i.e. is well formed. */
    public boolean hasColon() {
        return colon >= 0;
    }

    /** True for the obsolete form with whitespace between name and colon ({@code Subject : x}, RFC 5322 section 4.5.8). */
    public boolean hasSpaceBeforeColon() {
        return colon > nameEnd;
    }

    /**
     * The same field with the whitespace before its colon removed: what relaxed header canonicalization makes of it
     * anyway (RFC 6376 section 3.4.2), and a form every verifier parses. Returns this field when there is none.
     */
    public HeaderField withoutSpaceBeforeColon() {
        if (!hasSpaceBeforeColon()) {
            return this;
        }
        byte[] out = new byte[raw.length - (colon - nameEnd)];
        System.arraycopy(raw, 0, out, 0, nameEnd);
        System.arraycopy(raw, colon, out, nameEnd, raw.length - colon);
        return new HeaderField(out);
    }

    /** The raw bytes, including the trailing CRLF if present. Do not modify. */
    public byte[] raw() {
        return raw;
    }

    /** Number of raw bytes. */
    public int length() {
        return raw.length;
    }

    /** Offset of the first value byte (after the colon) in {@link #raw()}. */
    public int valueOffset() {
        return colon < 0 ? raw.length : colon + 1;
    }

    /** Length of the value without the final CRLF. */
    public int valueLength() {
        int end = raw.length;
        if (end >= 2 && raw[end - 2] == '\r' && raw[end - 1] == '\n') {
            end -= 2;
        } else if (end >= 1 && raw[end - 1] == '\n') {
            end -= 1;
        }
        return Math.max(0, end - valueOffset());
    }

    /** The value unfolded (CR and LF removed) and trimmed, decoded as UTF-8. */
    public String unfoldedValue() {
        byte[] out = new byte[valueLength()];
        int n = 0;
        int off = valueOffset();
        for (int i = off; i < off + out.length; i++) {
            if (raw[i] != '\r' && raw[i] != '\n') {
                out[n++] = raw[i];
            }
        }
        return new String(out, 0, n, StandardCharsets.UTF_8).strip();
    }

    @Override
    public String toString() {
        return new String(raw, StandardCharsets.UTF_8);
    }
}
