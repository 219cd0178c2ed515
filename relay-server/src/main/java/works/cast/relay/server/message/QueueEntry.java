package works.cast.relay.server.message;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.UnaryOperator;
import works.cast.relay.core.mail.TlsRequirement;

/**
 * One committed message as its {@code <id>.msg} file and side file describe it: envelope, the header fields to prepend, facts for
 * logs and the per-recipient delivery state (RFC 5321 section 4.5.4). Immutable; every state change is a new entry
 * written atomically.
 *
 * @param id          queue id
 * @param reversePath MAIL FROM without angle brackets, empty for the null sender
 * @param recipients  per-recipient state, in RCPT TO order
 * @param received    when the relay accepted the message
 * @param size        size of the received bytes, without the prepended fields
 * @param eightBit    BODY=8BITMIME
 * @param smtpUtf8    SMTPUTF8
 * @param prepend     the header fields that go above the received bytes, in wire form
 * @param client      the submitting client's address, or {@code local} for messages the relay made
 * @param authUser    the authenticated user, if any
 * @param tls         REQUIRETLS or TLS-Required: No (RFC 8689); files written before it read as {@code DEFAULT}
 */
public record QueueEntry(QueueId id, String reversePath, List<RecipientStatus> recipients, Instant received,
                         long size, boolean eightBit, boolean smtpUtf8, byte[] prepend, String client,
                         Optional<String> authUser, TlsRequirement tls) {

    /** An entry without a TLS requirement. */
    public QueueEntry(QueueId id, String reversePath, List<RecipientStatus> recipients, Instant received, long size,
                      boolean eightBit, boolean smtpUtf8, byte[] prepend, String client, Optional<String> authUser) {
        this(id, reversePath, recipients, received, size, eightBit, smtpUtf8, prepend, client, authUser,
                TlsRequirement.DEFAULT);
    }

    public QueueEntry {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(reversePath, "reversePath");
        recipients = List.copyOf(recipients);
        if (recipients.isEmpty()) {
            throw new IllegalArgumentException("queue entry " + id + ": no recipients");
        }
        Objects.requireNonNull(received, "received");
        if (size < 0) {
            throw new IllegalArgumentException("queue entry " + id + ": negative size");
        }
        prepend = prepend.clone();
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(authUser, "authUser");
        Objects.requireNonNull(tls, "tls");
    }

    @Override
    public byte[] prepend() {
        return prepend.clone();
    }

    /** Bytes on the wire: prepended fields plus the received bytes. */
    public long totalSize() {
        return prepend.length + size;
    }

    public boolean isNullSender() {
        return reversePath.isEmpty();
    }

    public List<RecipientStatus> pending() {
        return recipients.stream().filter(r -> r.state() == RecipientState.PENDING).toList();
    }

    public List<RecipientStatus> bounced() {
        return recipients.stream().filter(r -> r.state().bounces()).toList();
    }

    /** Every recipient is delivered, failed or expired: the message can leave the queue. */
    public boolean isFinal() {
        return recipients.stream().allMatch(r -> r.state().isFinal());
    }

    /** The earliest next attempt of a pending recipient. */
    public Optional<Instant> nextAttempt() {
        return pending().stream().map(RecipientStatus::nextAttempt).min(Comparator.naturalOrder());
    }

    /** Attempts made so far (the most of any recipient). */
    public int attempts() {
        return recipients.stream().mapToInt(RecipientStatus::attempts).max().orElse(0);
    }

    /** The last reply of a recipient that has one, preferring pending and failed ones (for listings). */
    public Optional<String> lastError() {
        return recipients.stream().filter(r -> r.state() != RecipientState.DELIVERED)
                .flatMap(r -> r.lastReply().stream()).map(Object::toString).reduce((a, b) -> b);
    }

    /** The same entry with every recipient passed through {@code change}. */
    public QueueEntry withRecipients(UnaryOperator<RecipientStatus> change) {
        List<RecipientStatus> out = new ArrayList<>(recipients.size());
        recipients.forEach(r -> out.add(change.apply(r)));
        return new QueueEntry(id, reversePath, out, received, size, eightBit, smtpUtf8, prepend, client, authUser,
                tls);
    }

    /** Pending recipients due at {@code now}: {@code queue retry}. */
    public QueueEntry dueNow(Instant now) {
        return withRecipients(r -> r.state() == RecipientState.PENDING ? r.dueAt(now) : r);
    }
}
