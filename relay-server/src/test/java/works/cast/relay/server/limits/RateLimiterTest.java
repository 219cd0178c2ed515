package works.cast.relay.server.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import works.cast.relay.server.queue.MutableClock;
import org.junit.jupiter.api.io.TempDir;
import works.cast.relay.server.config.RateLimitConfig;
import works.cast.relay.server.config.RateLimitConfig.Match;
import works.cast.relay.server.config.RateLimitConfig.Rule;

class RateLimiterTest {

    private static final InetAddress CLIENT = addr("192.0.2.7");
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T10:00:00Z"));
    private final List<Match> limited = new ArrayList<>();

    private static InetAddress addr(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static RateLimitConfig config(RateLimitConfig.Store store, String url, Rule... rules) {
        return new RateLimitConfig(List.of(rules), Map.of("bulk", new Rule(Match.USER, 2, Duration.ofMinutes(1))),
                store, Optional.ofNullable(url), Duration.ofSeconds(10)); // a loaded test machine is no outage
    }

    private RateLimiter limiter(Rule rule) {
        LocalRateStore store = new LocalRateStore(100);
        return new RateLimiter(config(RateLimitConfig.Store.LOCAL, null, rule), store, store, clock, limited::add);
    }

    private static Optional<Match> sender(RateLimiter l, String user, InetAddress client) {
        return l.admitSender(Optional.ofNullable(user), client).toCompletableFuture().join();
    }

    @Test
    void sixthMessageInAMinuteIsRefusedAndPassesAMinuteLater() {
        RateLimiter l = limiter(new Rule(Match.USER, 5, Duration.ofMinutes(1)));
        for (int i = 0; i < 5; i++) {
            assertEquals(Optional.empty(), sender(l, "app", CLIENT), "message " + (i + 1));
        }
        assertEquals(Optional.of(Match.USER), sender(l, "app", CLIENT));
        assertEquals(List.of(Match.USER), limited);
        assertEquals(Optional.empty(), sender(l, "other", CLIENT), "another user has its own bucket");
        clock.advance(Duration.ofSeconds(12));
        assertEquals(Optional.empty(), sender(l, "app", CLIENT), "one token back after a fifth of the period");
        assertEquals(Optional.of(Match.USER), sender(l, "app", CLIENT));
        clock.advance(Duration.ofMinutes(1));
        for (int i = 0; i < 5; i++) {
            assertEquals(Optional.empty(), sender(l, "app", CLIENT), "a full bucket after a minute, message " + i);
        }
    }

    @Test
    void perUserOverrideReplacesTheUserRule() {
        RateLimiter l = limiter(new Rule(Match.USER, 5, Duration.ofMinutes(1)));
        assertEquals(Optional.empty(), sender(l, "bulk", CLIENT));
        assertEquals(Optional.empty(), sender(l, "bulk", CLIENT));
        assertEquals(Optional.of(Match.USER), sender(l, "bulk", CLIENT));
        assertEquals(new RateLimiter.Usage(OptionalLong.of(2), new Rule(Match.USER, 2, Duration.ofMinutes(1))),
                l.userUsage("bulk").toCompletableFuture().join().orElseThrow());
        assertEquals(java.util.Map.of("bulk", 2L), l.localUserUse());
    }

    @Test
    void clientAddressesCountByIpv4AddressAndIpv6Slash64() {
        RateLimiter l = limiter(new Rule(Match.CLIENT_ADDRESS, 1, Duration.ofHours(1)));
        assertEquals(Optional.empty(), sender(l, null, addr("2001:db8:1:2::1")));
        assertEquals(Optional.of(Match.CLIENT_ADDRESS), sender(l, null, addr("2001:db8:1:2:ffff::9")),
                "the same /64");
        assertEquals(Optional.empty(), sender(l, null, addr("2001:db8:1:3::1")), "another /64");
        assertEquals(Optional.empty(), sender(l, null, addr("192.0.2.1")));
        assertEquals(Optional.empty(), sender(l, null, addr("192.0.2.2")));
        assertEquals("2001:db8:1:2::/64", RateLimiter.clientKey(addr("2001:db8:1:2::1")));
    }

    @Test
    void fromDomainIsCountedCaseInsensitively() {
        RateLimiter l = limiter(new Rule(Match.FROM_DOMAIN, 1, Duration.ofHours(1)));
        assertEquals(Optional.empty(), l.admitFromDomain("Cast.Works").toCompletableFuture().join());
        assertEquals(Optional.of(Match.FROM_DOMAIN), l.admitFromDomain("cast.works").toCompletableFuture().join());
        assertEquals(Optional.empty(), l.admitFromDomain("castworks.co.jp").toCompletableFuture().join());
    }

    @Test
    void localBucketsStayBoundedUnderManyKeys() {
        LocalRateStore store = new LocalRateStore(LocalRateStore.SWEEP_AT + 5);
        RateLimiter l = new RateLimiter(config(RateLimitConfig.Store.LOCAL, null,
                new Rule(Match.USER, 1, Duration.ofSeconds(1))), store, store, clock, limited::add);
        for (int i = 0; i < 30_000; i++) {
            sender(l, "u" + i, CLIENT);
            if (i % 1000 == 0) {
                clock.advance(Duration.ofSeconds(2));
            }
        }
        assertTrue(store.size() <= LocalRateStore.SWEEP_AT + 5, "buckets kept: " + store.size());
    }

    @Test
    void twoRelaysSharingOneRedisShareTheBucket(@TempDir Path dir) throws Exception {
        try (RedisServer redis = RedisServer.start(dir)) {
            RateLimitConfig c = config(RateLimitConfig.Store.REDIS, redis.url(),
                    new Rule(Match.USER, 5, Duration.ofMinutes(1)));
            try (RateLimiter a = RateLimiter.create(c, clock, limited::add);
                 RateLimiter b = RateLimiter.create(c, clock, limited::add)) {
                for (int i = 0; i < 5; i++) {
                    assertEquals(Optional.empty(), sender(i % 2 == 0 ? a : b, "app", CLIENT), "message " + i);
                }
                assertEquals(Optional.of(Match.USER), sender(a, "app", CLIENT));
                assertEquals(Optional.of(Match.USER), sender(b, "app", CLIENT));
                assertEquals(OptionalLong.of(5), b.userUsage("app").toCompletableFuture().join().orElseThrow().used());
                clock.advance(Duration.ofMinutes(1));
                assertEquals(Optional.empty(), sender(b, "app", CLIENT));
                assertEquals(Optional.empty(), sender(a, "app", CLIENT));
            }
        }
    }

    @Test
    void redisAwayFallsBackToLocalBuckets(@TempDir Path dir) throws Exception {
        RedisServer redis = RedisServer.start(dir);
        RateLimitConfig c = config(RateLimitConfig.Store.REDIS, redis.url(),
                new Rule(Match.USER, 3, Duration.ofMinutes(1)));
        try (RateLimiter a = RateLimiter.create(c, clock, limited::add)) {
            assertEquals(Optional.empty(), sender(a, "app", CLIENT));
            redis.stop();
            for (int i = 0; i < 3; i++) {
                assertEquals(Optional.empty(), sender(a, "app", CLIENT), "local bucket, message " + i);
            }
            assertEquals(Optional.of(Match.USER), sender(a, "app", CLIENT), "the local bucket still limits");
            assertEquals(OptionalLong.empty(), a.userUsage("app").toCompletableFuture().join().orElseThrow().used());
        } finally {
            redis.close();
        }
    }
}
