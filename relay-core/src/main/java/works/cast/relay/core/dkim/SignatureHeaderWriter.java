package works.cast.relay.core.dkim;

import java.util.List;

/**
 * Writes the DKIM-Signature field text (RFC 6376 section 3.5): tags in the order v, a, c, d, s, t, x, h, bh, b,
 * folded so that no line exceeds 78 characters. {@code b=} starts a line of its own and its value is appended after
 * hashing, so the field that goes out is exactly the one that was hashed with an empty {@code b=}.
 */
public final class SignatureHeaderWriter {

    static final String NAME = "DKIM-Signature";
    private static final int MAX_LINE = 78;

    private SignatureHeaderWriter() {
    }

    /** The field up to and including {@code b=}, without CRLF. */
    public static String unsigned(SigningAlgorithm a, String canonicalization, String domain, String selector,
                                  long timestamp, Long expires, List<String> signedHeaders, String bodyHash) {
        Folder f = new Folder(NAME + ":");
        f.add("v=1;");
        f.add("a=" + a.tagValue() + ";");
        f.add("c=" + canonicalization + ";");
        f.add("d=" + domain + ";");
        f.add("s=" + selector + ";");
        f.add("t=" + timestamp + ";");
        if (expires != null) {
            f.add("x=" + expires + ";");
        }
        StringBuilder h = new StringBuilder("h=");
        for (int i = 0; i < signedHeaders.size(); i++) {
            String token = signedHeaders.get(i) + (i == signedHeaders.size() - 1 ? ";" : ":");
            if (h.length() + token.length() > MAX_LINE - 2) {
                f.add(h.toString());
                h.setLength(0);
            }
            h.append(token);
        }
        f.add(h.toString());
        f.add("bh=" + bodyHash + ";");
        f.newLine();
        f.add("b=");
        return f.toString();
    }

    /** Appends the base64 signature to the unsigned field, folded, and the final CRLF. */
    public static String complete(String unsigned, String signatureBase64) {
        StringBuilder sb = new StringBuilder(unsigned.length() + signatureBase64.length() + 16);
        sb.append(unsigned);
        int lineLen = unsigned.length() - unsigned.lastIndexOf('\n') - 1;
        int i = 0;
        while (i < signatureBase64.length()) {
            int room = MAX_LINE - lineLen;
            if (room <= 0) {
                sb.append("\r\n ");
                lineLen = 1;
                room = MAX_LINE - 1;
            }
            int n = Math.min(room, signatureBase64.length() - i);
            sb.append(signatureBase64, i, i + n);
            lineLen += n;
            i += n;
        }
        return sb.append("\r\n").toString();
    }

    /** Joins items with spaces, starting a continuation line (CRLF SP) where the next item would not fit. */
    private static final class Folder {
        private final StringBuilder sb = new StringBuilder();
        private int lineLen;

        Folder(String start) {
            sb.append(start);
            lineLen = start.length();
        }

        void add(String item) {
            if (lineLen > 1 && lineLen + 1 + item.length() > MAX_LINE) {
                newLine();
            }
            if (lineLen > 1 || sb.charAt(sb.length() - 1) != ' ') {
                sb.append(' ');
                lineLen++;
            }
            sb.append(item);
            lineLen += item.length();
        }

        void newLine() {
            sb.append("\r\n ");
            lineLen = 1;
        }

        @Override
        public String toString() {
            return sb.toString();
        }
    }
}
