package works.cast.relay.core.mail;

import java.util.List;
import java.util.Objects;

/**
 * The SMTP envelope of one message (RFC 5321 section 2.3.1): the reverse-path and the forward-paths.
 *
 * @param reversePath the MAIL FROM mailbox without angle brackets; empty for the null sender {@code <>}
 * @param recipients  the RCPT TO mailboxes without angle brackets, in the order they were accepted
 * @param smtpUtf8    whether MAIL FROM carried SMTPUTF8 (RFC 6531)
 * @param eightBit    whether MAIL FROM carried BODY=8BITMIME (RFC 6152)
 */
public record Envelope(String reversePath, List<String> recipients, boolean smtpUtf8, boolean eightBit) {

    public Envelope {
        Objects.requireNonNull(reversePath, "reversePath");
        recipients = List.copyOf(recipients);
        if (recipients.isEmpty()) {
            throw new IllegalArgumentException("envelope: no recipients");
        }
    }

    public boolean isNullSender() {
        return reversePath.isEmpty();
    }
}
