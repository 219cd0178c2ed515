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
 * @param remote      the upstream that gave {@code lastReply} as the forwarder describes it, if known
 * @param remoteHost  the host name of the server that gave {@code lastReply}, if the forwarder reported one
 */
public record RecipientStatus(String address, RecipientState state, int attempts, Instant nextAttempt,
                              Optional<Reply> lastReply, Optional<String> remote, Optional<String> remoteHost) {

    public RecipientStatus {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(nextAttempt, "nextAttempt");
        Objects.requireNonNull(lastReply, "lastReply");
        Objects.requireNonNull(remote, "remote");
        Objects.requireNonNull(remoteHost, "remoteHost");
        if (address.isEmpty()) {
            throw new IllegalArgumentException("recipient: empty address");
        }
        if (attempts < 0) {
            throw new IllegalArgumentException("recipient " + address + ": negative attempts");
        }
    }

    /** A recipient never tried, due at {@code due}. */
    public static RecipientStatus pending(String address, Instant due) {
        return new RecipientStatus(address, RecipientState.PENDING, 0, due, Optional.empty(), Optional.empty(),
                Optional.empty());
    }

    /**
     * The outcome of one more attempt.
     *
     * @param upstream   the forwarder's description of the next hop
     * @param remoteHost the server that gave {@code reply}, when the forwarder reported one
     */
    public RecipientStatus attempted(RecipientState newState, Instant next, Reply reply, String upstream,
                                     Optional<String> remoteHost) {
        return new RecipientStatus(address, newState, attempts + 1, next, Optional.of(reply), Optional.of(upstream),
                remoteHost);
    }

    public RecipientStatus dueAt(Instant when) {
        return new RecipientStatus(address, state, attempts, when, lastReply, remote, remoteHost);
    }
}
