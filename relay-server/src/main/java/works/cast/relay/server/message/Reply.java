package works.cast.relay.server.message;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One SMTP reply (RFC 5321 section 4.2), with its enhanced status code (RFC 3463) when it has one.
 *
 * @param code     the three-digit reply code, 200..599
 * @param enhanced the enhanced status code such as {@code 2.0.0}, or empty when the reply has none
 * @param lines    the text lines, at least one
 */
public record Reply(int code, String enhanced, List<String> lines) {

    public Reply {
        if (code < 200 || code > 599) {
            throw new IllegalArgumentException("reply code out of range: " + code);
        }
        lines = List.copyOf(lines);
        if (lines.isEmpty()) {
            throw new IllegalArgumentException("reply without text");
        }
    }

    public Reply(int code, String enhanced, String text) {
        this(code, enhanced, List.of(text));
    }

    public boolean isPositive() {
        return code < 400;
    }

    public boolean isTransient() {
        return code >= 400 && code < 500;
    }

    public boolean isPermanent() {
        return code >= 500;
    }

    /** The first line's text with the enhanced code, as logs show it: {@code 250 2.0.0 Ok}. */
    public String summary() {
        return enhanced.isEmpty() ? code + " " + lines.get(0) : code + " " + enhanced + " " + lines.get(0);
    }

    /** The reply as it goes on the wire, multi-line replies with {@code -} continuation. */
    public byte[] toWire() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < lines.size(); i++) {
            sb.append(code).append(i == lines.size() - 1 ? ' ' : '-');
            if (!enhanced.isEmpty()) {
                sb.append(enhanced).append(' ');
            }
            sb.append(lines.get(i)).append("\r\n");
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return summary();
    }
}
