package works.cast.relay.server.message;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * The delivery state of one recipient of a queued message.
 *
 * @param address     the forward-path without angle brackets
 * @param state       pending or final
 * @param attempts    delivery attempts so far
 * @param nextAttempt when to try next; meaningful while pending
 * @param lastReply   the reply of the last attempt, if any
 * @param remote      the upstream that gave {@code lastReply}, if known
 */
public record RecipientStatus(String address, RecipientState state, int attempts, Instant nextAttempt,
                              Optional<Reply> lastReply, Optional<String> remote) {

    public RecipientStatus {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(nextAttempt, "nextAttempt");
        Objects.requireNonNull(lastReply, "lastReply");
        Objects.requireNonNull(remote, "remote");
        if (address.isEmpty()) {
            throw new IllegalArgumentException("recipient: empty address");
        }
        if (attempts < 0) {
            throw new IllegalArgumentException("recipient " + address + ": negative attempts");
        }
    }

    /** A recipient never tried, due at {@code due}. */
    public static RecipientStatus pending(String address, Instant due) {
        return new RecipientStatus(address, RecipientState.PENDING, 0, due, Optional.empty(), Optional.empty());
    }

    /** The outcome of one more attempt. */
    public RecipientStatus attempted(RecipientState newState, Instant next, Reply reply, String upstream) {
        return new RecipientStatus(address, newState, attempts + 1, next, Optional.of(reply), Optional.of(upstream));
    }

    public RecipientStatus dueAt(Instant when) {
        return new RecipientStatus(address, state, attempts, when, lastReply, remote);
    }
}
