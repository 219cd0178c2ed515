package works.cast.relay.server.delivery;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import works.cast.relay.server.message.DeliveryResult;
import works.cast.relay.server.message.QueueEntry;
import works.cast.relay.server.message.RecipientState;
import works.cast.relay.server.message.RecipientStatus;
import works.cast.relay.server.smtp.Replies;

/**
 * The bookkeeping of one delivery attempt as a pure function (RFC 5321 section 4.5.4.1): the queued message, the
 * recipients tried, the forwarder's per-recipient results (or its failure), the retry schedule and the time give the
 * message's new state. {@code 2xx} delivers, {@code 5xx} fails, {@code 4xx} defers to the schedule's next attempt,
 * or expires once {@code max-age} is reached; a recipient the forwarder gave no result for is deferred. No I/O and
 * no clock: the scheduler writes, logs and reschedules.
 */
public final class AttemptOutcome {

    private AttemptOutcome() {
    }

    /**
     * What became of one recipient tried.
     *
     * @param address the recipient
     * @param result  the forwarder's result, or the deferral that stands in for a missing one
     * @param status  the recipient's new state
     */
    public record Line(String address, DeliveryResult result, RecipientStatus status) {

        /** {@code delivered}, {@code deferred} or {@code failed} (expired recipients fail), for the log. */
        public String label() {
            return switch (status.state()) {
                case PENDING -> "deferred";
                case DELIVERED -> "delivered";
                case FAILED, EXPIRED -> "failed";
            };
        }

        /** The next attempt, or {@code -} for a final recipient ({@code - reason=expired}), for the log. */
        public String next() {
            return switch (status.state()) {
                case PENDING -> status.nextAttempt().toString();
                case EXPIRED -> "- reason=expired";
                case DELIVERED, FAILED -> "-";
            };
        }
    }

    /**
     * @param entry the message with every recipient's new state
     * @param lines one per recipient tried, in the message's recipient order
     */
    public record Result(QueueEntry entry, List<Line> lines) {
        public Result {
            lines = List.copyOf(lines);
        }
    }

    /**
     * @param before    the message as the attempt started
     * @param attempted the recipients handed to the forwarder (pending ones of {@code before})
     * @param results   the forwarder's result per recipient; may lack some when it broke its contract
     * @param failure   why the forwarder failed as a whole, if it did
     * @param upstream  the forwarder's description, kept as the recipients' remote (the server that answered is in
     *                  each result)
     */
    public static Result of(QueueEntry before, Collection<String> attempted, Map<String, DeliveryResult> results,
                            Optional<Throwable> failure, RetrySchedule schedule, Instant now, String upstream) {
        Set<String> tried = new HashSet<>(attempted);
        List<Line> lines = new ArrayList<>();
        QueueEntry after = before.withRecipients(r -> {
            if (r.state() != RecipientState.PENDING || !tried.contains(r.address())) {
                return r;
            }
            DeliveryResult result = results.get(r.address());
            if (result == null) { // a contract breach or a local failure: retry
                result = new DeliveryResult.Deferred(Replies.attemptFailed(failure.map(String::valueOf)));
            }
            RecipientStatus next = next(before, r, result, schedule, now, upstream);
            lines.add(new Line(r.address(), result, next));
            return next;
        });
        return new Result(after, lines);
    }

    private static RecipientStatus next(QueueEntry e, RecipientStatus r, DeliveryResult result,
                                        RetrySchedule schedule, Instant now, String upstream) {
        if (result instanceof DeliveryResult.Delivered d) {
            return r.attempted(RecipientState.DELIVERED, now, d.reply(), upstream, d.remoteHost());
        }
        if (result instanceof DeliveryResult.Failed f) {
            return r.attempted(RecipientState.FAILED, now, f.reply(), upstream, f.remoteHost());
        }
        if (schedule.expired(e.received(), now)) {
            return r.attempted(RecipientState.EXPIRED, now, result.reply(), upstream, result.remoteHost());
        }
        return r.attempted(RecipientState.PENDING, schedule.next(e.received(), now, r.attempts() + 1),
                result.reply(), upstream, result.remoteHost());
    }
}
