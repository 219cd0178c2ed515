package works.cast.relay.server.message;

import java.time.Instant;
import java.util.Objects;

/**
 * What the relay keeps in memory of a queued message between attempts: its id, when it is due and its size. The
 * rest (envelope, recipients' state, prepended fields) is read from disk when an attempt starts, so a large queue
 * costs a few dozen bytes per message.
 *
 * @param id   queue id
 * @param due  the next attempt; {@link Instant#MIN} when every recipient is final (only the bounce or removal is left)
 * @param size bytes on the wire (prepended fields and received bytes)
 */
public record IndexEntry(QueueId id, Instant due, long size) {

    public IndexEntry {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(due, "due");
    }

    public static IndexEntry of(QueueEntry e) {
        return new IndexEntry(e.id(), e.isFinal() ? Instant.MIN : e.nextAttempt().orElse(Instant.MIN), e.totalSize());
    }
}
