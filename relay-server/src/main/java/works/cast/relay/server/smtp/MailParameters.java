package works.cast.relay.server.smtp;

import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import works.cast.relay.server.message.Reply;

/**
 * The checked parameters of one {@code MAIL FROM}: SIZE (RFC 1870), BODY (RFC 6152), SMTPUTF8 (RFC 6531), REQUIRETLS
 * (RFC 8689, on a TLS session only) and AUTH (RFC 4954, accepted and ignored). Anything else, or a bad value, is
 * refused with the reply to send.
 */
final class MailParameters {

    private static final Pattern DIGITS = Pattern.compile("\\d{1,100}");

    /** What checking the parameters gives. */
    sealed interface Outcome permits Accepted, Refused {
    }

    /** The parameters are fine. */
    record Accepted(boolean smtpUtf8, boolean eightBit, boolean requireTls) implements Outcome {
    }

    /** The command is refused with this reply. */
    record Refused(Reply reply) implements Outcome {
    }

    private MailParameters() {
    }

    static Outcome check(MailPath path, long messageSizeLimit) {
        return check(path, messageSizeLimit, false);
    }

    /** @param tlsSession the session is TLS, so REQUIRETLS was offered (RFC 8689 section 2) */
    static Outcome check(MailPath path, long messageSizeLimit, boolean tlsSession) {
        boolean requireTls = false;
        boolean utf8 = false;
        boolean body8 = false;
        for (Map.Entry<String, String> p : path.parameters().entrySet()) {
            String value = p.getValue();
            switch (p.getKey()) {
                case "SIZE" -> {
                    if (!DIGITS.matcher(value).matches()) {
                        return new Refused(Replies.syntax("Bad SIZE parameter"));
                    }
                    if (value.length() > 18 || Long.parseLong(value) > messageSizeLimit) {
                        return new Refused(Replies.messageTooBig());
                    }
                }
                case "BODY" -> {
                    String body = value.toUpperCase(Locale.ROOT);
                    if (!body.equals("7BIT") && !body.equals("8BITMIME")) {
                        return new Refused(Replies.syntax("Bad BODY parameter"));
                    }
                    body8 = body.equals("8BITMIME");
                }
                case "SMTPUTF8" -> {
                    if (!value.isEmpty()) {
                        return new Refused(Replies.syntax("SMTPUTF8 takes no value"));
                    }
                    utf8 = true;
                }
                case "REQUIRETLS" -> {
                    if (!value.isEmpty()) {
                        return new Refused(Replies.syntax("REQUIRETLS takes no value"));
                    }
                    if (!tlsSession) {
                        return new Refused(Replies.requireTlsWithoutTls());
                    }
                    requireTls = true;
                }
                case "AUTH" -> {
                    // RFC 4954 section 5: the relay does not relay AUTH= identities; accepted and ignored.
                }
                default -> {
                    return new Refused(Replies.unknownParameter(p.getKey()));
                }
            }
        }
        if (!path.isAscii() && !utf8) {
            return new Refused(Replies.nonAsciiWithoutSmtpUtf8());
        }
        return new Accepted(utf8, body8, requireTls);
    }
}
