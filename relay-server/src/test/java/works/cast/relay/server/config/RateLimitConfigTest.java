package works.cast.relay.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import works.cast.relay.server.config.RateLimitConfig.Match;
import works.cast.relay.server.config.RateLimitConfig.Rule;

class RateLimitConfigTest {

    @TempDir
    Path dir;

    private Path write(String text) throws IOException {
        Path file = dir.resolve("relay.conf");
        Files.writeString(file, text, StandardCharsets.UTF_8);
        return file;
    }

    private List<String> problems(String text) throws IOException {
        Path file = write(text);
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> ConfigLoader.read(Optional.of(file), false));
        return e.problems().stream().map(ConfigProblem::toString).toList();
    }

    @Test
    void noLimitsByDefault() {
        RateLimitConfig c = ConfigLoader.read(Optional.empty(), false).rateLimits();
        assertFalse(c.enabled());
        assertEquals(RateLimitConfig.Store.LOCAL, c.store());
    }

    @Test
    void rulesOverridesAndRedisBind() throws IOException {
        RateLimitConfig c = ConfigLoader.read(Optional.of(write("""
                relay.limits {
                  rates = [ { match = user, limit = 500, per = 1h }, { match = from-domain, limit = 5000, per = 1h },
                            { match = client-address, limit = 100, per = 1m } ]
                  user-rates { "billing" = { limit = 2000, per = 1h } }
                  store = redis
                  redis.url = "redis://127.0.0.1:6379/0"
                  redis.timeout = 1s
                }
                """)), false).rateLimits();
        assertEquals(List.of(new Rule(Match.USER, 500, Duration.ofHours(1)),
                new Rule(Match.FROM_DOMAIN, 5000, Duration.ofHours(1)),
                new Rule(Match.CLIENT_ADDRESS, 100, Duration.ofMinutes(1))), c.rules());
        assertEquals(new Rule(Match.USER, 2000, Duration.ofHours(1)), c.userRates().get("billing"));
        assertEquals(Optional.of("redis://127.0.0.1:6379/0"), c.redisUrl());
        assertEquals(Duration.ofSeconds(1), c.redisTimeout());
    }

    @Test
    void mistakesNameFileLineAndKey() throws IOException {
        List<String> p = problems("""
                relay.limits {
                  rates = [ { match = sender, limit = 5, per = 1m },
                            { match = user, limit = 0, per = 1m, burst = 3 } ]
                  user-rates { "billing" = { limit = 5 } }
                  store = redis
                }
                """);
        String f = dir.resolve("relay.conf").toString();
        assertTrue(p.stream().anyMatch(s -> s.startsWith(f + ":2: relay.limits.rates[0].match: \"sender\" is not one of")), p::toString);
        assertTrue(p.contains(f + ":3: relay.limits.rates[1].limit: must be a whole number in 1..100000000, got 0"), p::toString);
        assertTrue(p.contains(f + ":3: relay.limits.rates[1].burst: unknown key; a rate takes match, limit, per"), p::toString);
        assertTrue(p.stream().anyMatch(s -> s.startsWith(f + ":4: relay.limits.user-rates.billing.per: missing")), p::toString);
        assertTrue(p.stream().anyMatch(s -> s.contains("relay.limits.redis.url: needed when relay.limits.store = redis")), p::toString);
    }
}
