package works.cast.relay.server.smtp;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/** The wire forms of AUTH PLAIN (RFC 4616) and AUTH LOGIN responses: base64 lines (RFC 4954 section 4). */
final class Sasl {

    private Sasl() {
    }

    /** A client response decoded as UTF-8; {@code =} is the empty response; empty when it is not base64. */
    static Optional<String> decode(String line) {
        try {
            byte[] decoded = line.equals("=") ? new byte[0] : Base64.getDecoder().decode(line);
            return Optional.of(new String(decoded, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * PLAIN's {@code authzid NUL authcid NUL passwd}. An authorization identity other than the user's own is not
     * supported, and gives credentials that never match.
     */
    static SmtpSession.Credentials plain(String text) {
        String[] fields = text.split("\u0000", -1);
        if (fields.length != 3 || (!fields[0].isEmpty() && !fields[0].equals(fields[1]))) {
            return new SmtpSession.Credentials("", "");
        }
        return new SmtpSession.Credentials(fields[1], fields[2]);
    }

    /** A server challenge, such as {@code Password:}, in base64. */
    static String encode(String challenge) {
        return Base64.getEncoder().encodeToString(challenge.getBytes(StandardCharsets.US_ASCII));
    }
}
