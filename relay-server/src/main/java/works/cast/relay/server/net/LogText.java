package works.cast.relay.server.net;

/**
 * Makes a string that came from a peer (an AUTH user name, an EHLO name, an address, a command line) safe to put in
 * a {@code key=value} log line: it cannot end the line, forge another field or send terminal escapes.
 *
 * <p>CR, LF and TAB become {@code \r}, {@code \n}, {@code \t}; ESC and every other control, format or separator
 * character (C0, DEL, C1, U+2028, U+2029, bidi controls) becomes {@code \\u{XXXX}}; space, {@code "} and
 * {@code \} are escaped too, so a value stays one token. Text past {@link #MAX_CHARS} is cut and marked with
 * {@code ...}.
 */
public final class LogText {

    /** The longest text kept, in chars. */
    public static final int MAX_CHARS = 512;

    private LogText() {
    }

    /** The escaped form of {@code text} as one token; {@code "-"} for null or empty. */
    public static String escape(CharSequence text) {
        if (text == null || text.length() == 0) {
            return "-";
        }
        return escape(text, true);
    }

    /** The escaped form of {@code text} for a value in double quotes, or the rest of a line: spaces stay. */
    public static String quoted(CharSequence text) {
        return text == null ? "" : escape(text, false);
    }

    private static String escape(CharSequence text, boolean token) {
        int n = Math.min(text.length(), MAX_CHARS);
        StringBuilder out = null;
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            String replacement = c == ' ' && !token ? null : replacement(c);
            if (replacement != null && out == null) {
                out = new StringBuilder(n + 16).append(text, 0, i);
            }
            if (out != null) {
                if (replacement != null) {
                    out.append(replacement);
                } else {
                    out.append(c);
                }
            }
        }
        String result = out == null ? text.subSequence(0, n).toString() : out.toString();
        return text.length() > n ? result + "..." : result;
    }

    private static String replacement(char c) {
        switch (c) {
            case '\r':
                return "\\r";
            case '\n':
                return "\\n";
            case '\t':
                return "\\t";
            case ' ':
                return "\\x20";
            case '"':
                return "\\\"";
            case '\\':
                return "\\\\";
            default:
                break;
        }
        switch (Character.getType(c)) {
            case Character.CONTROL:
            case Character.FORMAT:
            case Character.LINE_SEPARATOR:
            case Character.PARAGRAPH_SEPARATOR:
                return String.format("\\u{%04X}", (int) c);
            default:
                return null;
        }
    }
}
