package works.cast.relay.core.interop;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Builds a message in wire form (RFC 5322 §2.1) for the test corpus: every line added gets CRLF, text is UTF-8
 * unless given as raw bytes, and nothing is folded, trimmed or re-encoded behind the caller's back.
 */
final class WireMessage {

    static final byte[] CRLF = {'\r', '\n'};

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** A header field line (may hold explicit folds {@code "\r\n\t"}); CRLF is appended. */
    WireMessage header(String line) {
        return line(line);
    }

    WireMessage headers(String... lines) {
        for (String line : lines) {
            header(line);
        }
        return this;
    }

    /** The blank line that ends the header section. */
    WireMessage endHeaders() {
        return raw(CRLF);
    }

    /** One line of text; CRLF is appended. */
    WireMessage line(String text) {
        raw(text.getBytes(StandardCharsets.UTF_8));
        return raw(CRLF);
    }

    WireMessage lines(String... texts) {
        for (String text : texts) {
            line(text);
        }
        return this;
    }

    /** Text as is, UTF-8, with whatever CRLFs it holds (used for a last line without CRLF). */
    WireMessage text(String text) {
        return raw(text.getBytes(StandardCharsets.UTF_8));
    }

    WireMessage raw(byte[] bytes) {
        out.write(bytes, 0, bytes.length);
        return this;
    }

    /** Raw bytes followed by CRLF. */
    WireMessage rawLine(byte[] bytes) {
        return raw(bytes).raw(CRLF);
    }

    NamedMessage named(String name) {
        return new NamedMessage(name, out.toByteArray());
    }

    /** A string of {@code count} copies of {@code c}. */
    static String repeat(char c, int count) {
        return String.valueOf(c).repeat(count);
    }
}
