package works.cast.relay.server.config;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Key rotation behaviour of the running relay (RFC 6376 section 3.6.1 key records, M3AAWG key rotation practice).
 *
 * @param autoActivate  activate a pending selector once its DNS record is seen
 * @param checkInterval how often to check pending selectors and key ages
 * @param maxAge        warn when an active selector is older than this
 */
public record RotationConfig(boolean autoActivate, Duration checkInterval, Optional<Duration> maxAge) {

    public RotationConfig {
        Objects.requireNonNull(checkInterval, "checkInterval");
        Objects.requireNonNull(maxAge, "maxAge");
    }
}
