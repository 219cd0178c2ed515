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
 * @param maxAge after this the message bounces
 */
public record QueueConfig(Path dir, List<Duration> retry, Duration maxAge) {

    public QueueConfig {
        Objects.requireNonNull(dir, "dir");
        retry = List.copyOf(retry);
        Objects.requireNonNull(maxAge, "maxAge");
    }
}
