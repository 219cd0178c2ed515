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
 * @param tls         REQUIRETLS on MAIL FROM, or TLS-Required: No in the header (RFC 8689)
 */
public record Envelope(String reversePath, List<String> recipients, boolean smtpUtf8, boolean eightBit,
                       TlsRequirement tls) {

    public Envelope {
        Objects.requireNonNull(reversePath, "reversePath");
        recipients = List.copyOf(recipients);
        if (recipients.isEmpty()) {
            throw new IllegalArgumentException("envelope: no recipients");
        }
        Objects.requireNonNull(tls, "tls");
    }

    /** An envelope without a TLS requirement. */
    public Envelope(String reversePath, List<String> recipients, boolean smtpUtf8, boolean eightBit) {
        this(reversePath, recipients, smtpUtf8, eightBit, TlsRequirement.DEFAULT);
    }

    /** The same envelope with another TLS requirement. */
    public Envelope withTls(TlsRequirement requirement) {
        return new Envelope(reversePath, recipients, smtpUtf8, eightBit, requirement);
    }

    public boolean isNullSender() {
        return reversePath.isEmpty();
    }
}
