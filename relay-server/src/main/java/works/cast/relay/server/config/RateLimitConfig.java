package works.cast.relay.server.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Sending rate limits ({@code relay.limits.rates}): token buckets per user, From domain or client address, kept
 * in this process or shared through Redis by relays behind one load balancer.
 *
 * @param rules     the limits, each applied to every key of its kind
 * @param userRates per-user limits that replace the {@code user} rule for that user
 * @param store     where the buckets live
 * @param redisUrl  the Redis URI when {@code store = redis}
 * @param redisTimeout how long a Redis answer may take before this message is counted in the local bucket
 */
public record RateLimitConfig(List<Rule> rules, Map<String, Rule> userRates, Store store, Optional<String> redisUrl,
                              Duration redisTimeout) {

    public static final Duration DEFAULT_REDIS_TIMEOUT = Duration.ofMillis(250);

    /** What a rule counts messages by. */
    public enum Match { USER, FROM_DOMAIN, CLIENT_ADDRESS }

    /** Where buckets live. */
    public enum Store { LOCAL, REDIS }

    /**
     * One limit: at most {@code limit} messages per {@code per}, refilled evenly (a burst of {@code limit} is
     * allowed after a quiet period).
     */
    public record Rule(Match match, long limit, Duration per) {
        public Rule {
            Objects.requireNonNull(match, "match");
            Objects.requireNonNull(per, "per");
            if (limit < 1 || per.isNegative() || per.isZero()) {
                throw new IllegalArgumentException("rate rule: limit and per must be positive");
            }
        }
    }

    public RateLimitConfig {
        rules = List.copyOf(rules);
        userRates = Map.copyOf(userRates);
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(redisUrl, "redisUrl");
        Objects.requireNonNull(redisTimeout, "redisTimeout");
    }

    /** No limits at all (the default). */
    public static RateLimitConfig none() {
        return new RateLimitConfig(List.of(), Map.of(), Store.LOCAL, Optional.empty(), DEFAULT_REDIS_TIMEOUT);
    }

    public boolean enabled() {
        return !rules.isEmpty() || !userRates.isEmpty();
    }
}
