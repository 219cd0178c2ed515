package works.cast.relay.server.message;

import java.util.Objects;
import java.util.Optional;

/**
 * A request of the {@code queue} command to the running relay's delivery scheduler: try a message (or every message)
 * now, or remove one without a bounce.
 *
 * @param kind retry or delete
 * @param id   the message, empty for every message
 */
public record OperatorRequest(Kind kind, Optional<QueueId> id) {

    /** What a request asks. */
    public enum Kind { RETRY, DELETE }

    public OperatorRequest {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(id, "id");
    }
}
