package works.cast.relay.server.delivery;

import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import works.cast.relay.server.message.QueueEntry;
import works.cast.relay.server.message.QueueId;

/**
 * The messages the delivery scheduler holds and when each is due: a few dozen bytes per message (the details stay in
 * the store and are read when an attempt starts). Used on the scheduler thread only.
 */
final class DeliveryIndex {

    /**
     * A stored message and what the scheduler is doing with it. Its details are read from the store when an attempt
     * starts, except while a write of its new state is pending or after one failed: then the state to use is here.
     */
    static final class Tracked {
        final QueueId id;
        /** An attempt, or the bounce and removal of a finished message, is under way. */
        boolean busy;
        boolean deleteRequested;
        QueueEntry unsaved;

        Tracked(QueueId id) {
            this.id = id;
        }
    }

    private final Map<QueueId, Tracked> tracked = new HashMap<>();
    /** Messages waiting for their next attempt, by when it is due. */
    private final DueQueue<Tracked> ready = new DueQueue<>(Comparator.comparing(t -> t.id));

    /** Starts tracking a message due at {@code due}; false when it is tracked already. */
    boolean add(QueueId id, Instant due) {
        if (tracked.containsKey(id)) {
            return false;
        }
        Tracked t = new Tracked(id);
        tracked.put(id, t);
        ready.schedule(t, due);
        return true;
    }

    Optional<Tracked> get(QueueId id) {
        return Optional.ofNullable(tracked.get(id));
    }

    /** (Re)schedules a message's next attempt. */
    void schedule(Tracked t, Instant due) {
        ready.schedule(t, due);
    }

    /**
     * Takes the earliest message due at {@code now} out of the due queue, skipping those busy or no longer tracked;
     * null when none is due. Costs O(log n).
     */
    Tracked takeDue(Instant now) {
        Tracked t;
        while ((t = ready.firstDue(now)) != null) {
            ready.take(t);
            if (!t.busy && tracked.get(t.id) == t) {
                return t;
            }
        }
        return null;
    }

    /** Pending recipients due now; a busy message is rescheduled when its attempt ends. */
    void dueNow(Tracked t, Instant now) {
        if (t.unsaved != null) {
            t.unsaved = t.unsaved.dueNow(now);
        }
        if (!t.busy) {
            ready.schedule(t, now);
        }
    }

    /** Every message due now; returns how many there are. */
    int allDueNow(Instant now) {
        tracked.values().forEach(t -> dueNow(t, now));
        return tracked.size();
    }

    /** Stops tracking a message: out of the index and the due queue. */
    void forget(QueueId id) {
        Optional.ofNullable(tracked.remove(id)).ifPresent(ready::remove);
    }

    /** True while {@code t} is the tracked record of its message (not forgotten, nor replaced). */
    boolean holds(Tracked t) {
        return tracked.get(t.id) == t;
    }

    int size() {
        return tracked.size();
    }
}
