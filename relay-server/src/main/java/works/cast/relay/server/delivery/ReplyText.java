package works.cast.relay.server.delivery;

/**
 * Makes reply text from an upstream safe to log, store and show: every control character (C0 such as CR, LF, NUL
 * and ESC, DEL, C1) and every Unicode line separator or format character (such as a right-to-left override) becomes
 * {@code ?}, a tab a space. The printable rest, UTF-8 included (RFC 6531), is kept as it is.
 */
public final class ReplyText {

    private ReplyText() {
    }

    /** {@code text} with nothing that could end a log line, move a terminal's cursor or reorder what it shows. */
    public static String clean(String text) {
        if (isClean(text)) {
            return text;
        }
        StringBuilder sb = new StringBuilder(text.length());
        text.codePoints().forEach(c -> {
            if (c == '\t') {
                sb.append(' ');
            } else if (unsafe(c)) {
                sb.append('?');
            } else {
                sb.appendCodePoint(c);
            }
        });
        return sb.toString();
    }

    private static boolean isClean(String text) {
        return text.codePoints().noneMatch(ReplyText::unsafe);
    }

    private static boolean unsafe(int c) {
        if (Character.isISOControl(c)) {
            return true;
        }
        int type = Character.getType(c);
        return type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR || type == Character.FORMAT
                || type == Character.SURROGATE;
    }
}
