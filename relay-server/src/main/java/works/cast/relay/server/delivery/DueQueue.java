package works.cast.relay.server.delivery;

import java.time.Instant;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Items by when they are due, earliest first. Scheduling an item again moves it (its older place turns stale and is
 * skipped when it comes up), so a reschedule costs O(log n) and nothing is searched. Not thread-safe: the delivery
 * worker's scheduler thread owns it.
 *
 * @param <T> compared by identity
 */
final class DueQueue<T> {

    /** One place of an item; valid while its version is the item's current one. */
    private record Slot<T>(Instant due, T item, long version) {
    }

    private final PriorityQueue<Slot<T>> slots;
    private final Map<T, Long> current = new IdentityHashMap<>();
    private long versions;

    /** @param ties orders items due at the same instant */
    DueQueue(Comparator<T> ties) {
        Comparator<Slot<T>> byDue = Comparator.comparing(Slot::due);
        this.slots = new PriorityQueue<>(byDue.thenComparing(Slot::item, ties));
    }

    /** Makes {@code item} due at {@code due}, replacing any earlier place. */
    void schedule(T item, Instant due) {
        long v = ++versions;
        current.put(item, v);
        slots.add(new Slot<>(due, item, v));
    }

    /** Forgets {@code item}: it is no longer due at all. */
    void remove(T item) {
        current.remove(item);
    }

    /** The earliest item due at {@code now}, still in the queue, or null. */
    T firstDue(Instant now) {
        while (!slots.isEmpty()) {
            Slot<T> s = slots.peek();
            Long v = current.get(s.item());
            if (v == null || v != s.version()) {
                slots.poll(); // stale
            } else {
                return s.due().isAfter(now) ? null : s.item();
            }
        }
        return null;
    }

    /** Takes {@code item}, which {@link #firstDue} just returned, out of the queue. */
    void take(T item) {
        Slot<T> s = slots.poll();
        if (s == null || s.item() != item) {
            throw new IllegalStateException("take: not the first due item");
        }
        current.remove(item);
    }

    /** Items scheduled. */
    int size() {
        return current.size();
    }
}
