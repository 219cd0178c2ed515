package works.cast.relay.server.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The durable queue and its retry schedule (RFC 5321 section 4.5.4.1).
 *
 * @param dir    the spool directory
 * @param retry  waits between attempts, at least one; the last repeats
 * @param maxAge      after this the message bounces
 * @param activeLimit messages read from disk and being worked on at once (Postfix's qmgr_message_active_limit);
 *                    the others wait as a few dozen bytes of index each
 */
public record QueueConfig(Path dir, List<Duration> retry, Duration maxAge, int activeLimit) {

    /** The default of {@code queue.active-limit}. */
    public static final int ACTIVE_LIMIT = 2000;

    public QueueConfig {
        Objects.requireNonNull(dir, "dir");
        retry = List.copyOf(retry);
        Objects.requireNonNull(maxAge, "maxAge");
        if (activeLimit < 1) {
            throw new IllegalArgumentException("queue: active-limit must be at least 1");
        }
    }

    public QueueConfig(Path dir, List<Duration> retry, Duration maxAge) {
        this(dir, retry, maxAge, ACTIVE_LIMIT);
    }
}
