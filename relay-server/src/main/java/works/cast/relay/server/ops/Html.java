package works.cast.relay.server.ops;

/** Escaping for text and attribute values in the console's HTML (HTML Living Standard, 13.1.2.6). */
final class Html {

    private Html() {
    }

    /** {@code text} safe in element content and in double- or single-quoted attribute values. */
    static String escape(Object text) {
        String s = String.valueOf(text);
        StringBuilder sb = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> sb.append("&amp;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&#39;");
                default -> {
                    if (c < 0x20 && c != '\t') {
                        sb.append(' '); // control characters from mail never reach the page
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.toString();
    }
}
