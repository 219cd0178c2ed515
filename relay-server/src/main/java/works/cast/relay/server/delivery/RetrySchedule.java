package works.cast.relay.server.delivery;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import works.cast.relay.server.config.QueueConfig;

/**
 * When to try a deferred message again (RFC 5321 section 4.5.4.1): the waits of {@code queue.retry} in turn, the last
 * one repeating, and never past {@code queue.max-age} after arrival, when a last attempt happens and a message still
 * deferred bounces.
 *
 * @param waits  waits between attempts, at least one, each positive
 * @param maxAge how long a message may stay queued
 */
public record RetrySchedule(List<Duration> waits, Duration maxAge) {

    public RetrySchedule {
        waits = List.copyOf(waits);
        Objects.requireNonNull(maxAge, "maxAge");
        if (waits.isEmpty()) {
            throw new IllegalArgumentException("queue.retry: at least one wait");
        }
        for (Duration d : waits) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("queue.retry: waits must be positive, got " + d);
            }
        }
        if (maxAge.isNegative() || maxAge.isZero()) {
            throw new IllegalArgumentException("queue.max-age: must be positive, got " + maxAge);
        }
    }

    public static RetrySchedule of(QueueConfig config) {
        return new RetrySchedule(config.retry(), config.maxAge());
    }

    /** The wait after the {@code attempts}-th failed attempt (1-based). */
    public Duration wait(int attempts) {
        return waits.get(Math.min(Math.max(attempts, 1), waits.size()) - 1);
    }

    /** The next attempt after {@code attempts} attempts ending at {@code now}, capped at the expiry time. */
    public Instant next(Instant received, Instant now, int attempts) {
        Instant next = now.plus(wait(attempts));
        Instant deadline = deadline(received);
        return next.isAfter(deadline) ? (now.isBefore(deadline) ? deadline : now) : next;
    }

    /** A message deferred at {@code now} gives up. */
    public boolean expired(Instant received, Instant now) {
        return !now.isBefore(deadline(received));
    }

    public Instant deadline(Instant received) {
        return received.plus(maxAge);
    }
}
