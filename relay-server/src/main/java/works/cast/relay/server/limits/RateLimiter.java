package works.cast.relay.server.limits;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import works.cast.relay.server.config.RateLimitConfig;
import works.cast.relay.server.config.RateLimitConfig.Match;
import works.cast.relay.server.config.RateLimitConfig.Rule;

/**
 * The relay's sending brakes: one token bucket per user, client address (IPv6 by /64, as an address block is what
 * one host holds) and From domain, as Postfix's anvil counts per client and Rspamd's ratelimit per user and
 * sender domain. A message takes one token from each bucket that applies; an empty bucket refuses it.
 *
 * <p>Thread-safe; no method blocks. Results complete on the caller's thread with local buckets, and on a Redis I/O
 * thread with the Redis store.
 */
public final class RateLimiter implements AutoCloseable {

    /** Local buckets kept at most; past that, new keys pass unlimited rather than grow memory without end. */
    static final int MAX_LOCAL_KEYS = 200_000;

    private final RateLimitConfig config;
    private final RateStore store;
    private final LocalRateStore local;
    private final Clock clock;
    private final Consumer<Match> onLimited;

    RateLimiter(RateLimitConfig config, RateStore store, LocalRateStore local, Clock clock, Consumer<Match> onLimited) {
        this.config = config;
        this.store = store;
        this.local = local;
        this.clock = clock;
        this.onLimited = onLimited;
    }

    /** Limits as configured, with buckets in this process or in Redis. */
    public static RateLimiter create(RateLimitConfig config, Clock clock, Consumer<Match> onLimited) {
        LocalRateStore local = new LocalRateStore(MAX_LOCAL_KEYS);
        RateStore store = config.store() == RateLimitConfig.Store.REDIS
                ? new RedisRateStore(config.redisUrl().orElseThrow(), local, config.redisTimeout())
                : local;
        return new RateLimiter(config, store, local, clock, onLimited);
    }

    /** True when a user or client-address limit applies at MAIL. */
    public boolean limitsSenders() {
        return !config.userRates().isEmpty() || rule(Match.USER).isPresent() || rule(Match.CLIENT_ADDRESS).isPresent();
    }

    /** True when a from-domain limit applies at the end of DATA. */
    public boolean limitsAuthors() {
        return rule(Match.FROM_DOMAIN).isPresent();
    }

    /**
     * At MAIL: the user's and the client address's buckets. Completes with the rule that refused, or empty when
     * the message may go on.
     */
    public CompletionStage<Optional<Match>> admitSender(Optional<String> user, InetAddress client) {
        List<Check> checks = new ArrayList<>(2);
        user.flatMap(this::userRule).ifPresent(rule -> checks.add(new Check(rule, "user:" + user.get())));
        rule(Match.CLIENT_ADDRESS).ifPresent(rule -> checks.add(new Check(rule, "client:" + clientKey(client))));
        return run(checks, 0);
    }

    /** At the end of DATA: the bucket of the From header's domain. */
    public CompletionStage<Optional<Match>> admitFromDomain(String domain) {
        return run(rule(Match.FROM_DOMAIN).map(rule -> List.of(new Check(rule, "from:"
                + domain.toLowerCase(Locale.ROOT)))).orElse(List.of()), 0);
    }

    /** The messages counted against a user and not yet refilled, with the user's limit; empty when unlimited. */
    public CompletionStage<Optional<Usage>> userUsage(String user) {
        Optional<Rule> rule = userRule(user);
        if (rule.isEmpty()) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        Rule r = rule.get();
        return store.used("user:" + user, r.limit(), r.per().toMillis(), clock.millis())
                .thenApply(used -> Optional.of(new Usage(used, r)));
    }

    /**
     * Each user's use as counted by this relay's own buckets (with the Redis store, only what was counted while Redis
     * was away); users at rest are left out.
     */
    public java.util.Map<String, Long> localUserUse() {
        return local.usedByKey("user:", clock.millis());
    }

    /** What one key has used of its rule; {@code used} is empty when the store could not be asked. */
    public record Usage(OptionalLong used, Rule rule) {
    }

    private record Check(Rule rule, String key) {
    }

    private CompletionStage<Optional<Match>> run(List<Check> checks, int index) {
        if (index == checks.size()) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        Check c = checks.get(index);
        return store.tryTake(c.key, c.rule.limit(), c.rule.per().toMillis(), clock.millis()).thenCompose(ok -> {
            if (!ok) {
                onLimited.accept(c.rule.match());
                return CompletableFuture.completedFuture(Optional.of(c.rule.match()));
            }
            return run(checks, index + 1);
        });
    }

    private Optional<Rule> userRule(String user) {
        Rule own = config.userRates().get(user);
        return own != null ? Optional.of(own) : rule(Match.USER);
    }

    private Optional<Rule> rule(Match match) {
        return config.rules().stream().filter(r -> r.match() == match).findFirst();
    }

    /** IPv4 by address, IPv6 by its /64. */
    static String clientKey(InetAddress address) {
        if (address instanceof Inet6Address) {
            byte[] b = address.getAddress();
            StringBuilder s = new StringBuilder();
            for (int i = 0; i < 8; i += 2) {
                s.append(Integer.toHexString(((b[i] & 0xff) << 8) | (b[i + 1] & 0xff))).append(':');
            }
            return s.append(":/64").toString();
        }
        return address.getHostAddress();
    }

    @Override
    public void close() {
        store.close();
    }
}
