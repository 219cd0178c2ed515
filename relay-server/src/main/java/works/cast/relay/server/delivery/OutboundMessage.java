package works.cast.relay.server.delivery;

import java.util.List;
import java.util.Objects;
import works.cast.relay.core.mail.TlsRequirement;
import works.cast.relay.server.message.MessageContent;
import works.cast.relay.server.message.QueueId;

/**
 * One message to hand to an upstream, for some of its recipients.
 *
 * @param id          queue id, for logs
 * @param reversePath MAIL FROM, empty for the null sender
 * @param recipients  the recipients still to deliver in this attempt
 * @param size        total size in bytes (prepended fields + received bytes), for SIZE=
 * @param eightBit    the message needs BODY=8BITMIME
 * @param smtpUtf8    the message needs SMTPUTF8
 * @param content     opens the bytes to send, prepended fields first, not dot-stuffed
 * @param tls         REQUIRETLS or TLS-Required: No (RFC 8689)
 */
public record OutboundMessage(QueueId id, String reversePath, List<String> recipients, long size, boolean eightBit,
                              boolean smtpUtf8, MessageContent content, TlsRequirement tls) {

    /** A message without a TLS requirement. */
    public OutboundMessage(QueueId id, String reversePath, List<String> recipients, long size, boolean eightBit,
                           boolean smtpUtf8, MessageContent content) {
        this(id, reversePath, recipients, size, eightBit, smtpUtf8, content, TlsRequirement.DEFAULT);
    }

    /** The same message for some of its recipients. */
    public OutboundMessage withRecipients(List<String> some) {
        return new OutboundMessage(id, reversePath, some, size, eightBit, smtpUtf8, content, tls);
    }

    /**
     * REQUIRETLS binds this delivery: set and a non-null sender (RFC 8689 section 4.2.1 binds messages with a
     * return path; a DSN of a REQUIRETLS message passes the option on where offered but is never dropped, section 5).
     */
    public boolean requiresTls() {
        return tls == TlsRequirement.REQUIRED && !reversePath.isEmpty();
    }

    public OutboundMessage {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(reversePath, "reversePath");
        recipients = List.copyOf(recipients);
        Objects.requireNonNull(content, "content");
        Objects.requireNonNull(tls, "tls");
    }

}
