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
 * @param every         rotate each active selector older than this on its own (needs dns-update); empty = never
 * @param grace         how long a retired selector's record stays published before it becomes {@code v=DKIM1; p=}
 * @param removeAfter   how long after retirement the (revocation) record is deleted
 */
public record RotationConfig(boolean autoActivate, Duration checkInterval, Optional<Duration> maxAge,
                             Optional<Duration> every, Duration grace, Duration removeAfter) {

    /** Below this a grace period is accepted (tests) but warned about. */
    public static final Duration RECOMMENDED_GRACE = Duration.ofDays(7);

    public RotationConfig {
        Objects.requireNonNull(checkInterval, "checkInterval");
        Objects.requireNonNull(maxAge, "maxAge");
        Objects.requireNonNull(every, "every");
        Objects.requireNonNull(grace, "grace");
        Objects.requireNonNull(removeAfter, "removeAfter");
    }

    public RotationConfig(boolean autoActivate, Duration checkInterval, Optional<Duration> maxAge) {
        this(autoActivate, checkInterval, maxAge, Optional.empty(), RECOMMENDED_GRACE, Duration.ofDays(30));
    }
}
