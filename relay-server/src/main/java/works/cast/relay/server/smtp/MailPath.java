package works.cast.relay.server.smtp;

import java.util.Map;
import java.util.Objects;

/**
 * The argument of MAIL FROM or RCPT TO: a path and its ESMTP parameters (RFC 5321 section 4.1.2).
 *
 * @param mailbox    the address without angle brackets, empty for the null reverse-path {@code <>}
 * @param parameters ESMTP parameters, keys upper-case; a parameter without value maps to the empty string
 */
public record MailPath(String mailbox, Map<String, String> parameters) {

    public MailPath {
        Objects.requireNonNull(mailbox, "mailbox");
        parameters = Map.copyOf(parameters);
    }

    public boolean isAscii() {
        return mailbox.chars().allMatch(c -> c < 0x80);
    }
}
