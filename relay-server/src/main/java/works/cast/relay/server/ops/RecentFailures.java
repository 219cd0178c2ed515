package works.cast.relay.server.ops;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;

/** The last {@value #CAPACITY} delivery attempts that did not deliver, newest first, for the console. Thread-safe. */
final class RecentFailures {

    static final int CAPACITY = 50;

    /**
     * One attempt that did not deliver.
     *
     * @param time   when it ended
     * @param id     the queue id
     * @param domain the recipient's domain
     * @param result deferred or failed
     * @param reply  the upstream's reply (or the relay's own, for a connection failure), as one line
     */
    record Failure(Instant time, String id, String domain, String result, String reply) {
        Failure {
            Objects.requireNonNull(time, "time");
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(domain, "domain");
            Objects.requireNonNull(result, "result");
            Objects.requireNonNull(reply, "reply");
        }
    }

    private final Deque<Failure> failures = new ArrayDeque<>();

    synchronized void add(Failure f) {
        failures.addFirst(f);
        while (failures.size() > CAPACITY) {
            failures.removeLast();
        }
    }

    synchronized List<Failure> newestFirst() {
        return new ArrayList<>(failures);
    }
}
