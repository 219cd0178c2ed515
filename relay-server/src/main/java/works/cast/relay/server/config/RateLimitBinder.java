package works.cast.relay.server.config;

import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Binds {@code relay.limits.rates}, {@code relay.limits.user-rates}, {@code relay.limits.store} and
 * {@code relay.limits.redis} into a {@link RateLimitConfig}.
 */
final class RateLimitBinder {

    static final String RATES = "relay.limits.rates";
    static final String USER_RATES = "relay.limits.user-rates";
    private static final Set<String> RULE_KEYS = Set.of("match", "limit", "per");
    private static final Set<String> USER_RULE_KEYS = Set.of("limit", "per");

    private final ConfigReader r;

    RateLimitBinder(ConfigReader reader) {
        this.r = reader;
    }

    RateLimitConfig bind() {
        List<RateLimitConfig.Rule> rules = new ArrayList<>();
        ConfigValue value = r.valueAt(RATES);
        if (value != null && value.valueType() == ConfigValueType.LIST) {
            ConfigList list = (ConfigList) value;
            for (int i = 0; i < list.size(); i++) {
                String at = RATES + "[" + i + "]";
                if (list.get(i).valueType() != ConfigValueType.OBJECT) {
                    r.problemAt(list.get(i).origin(), at, "expected an object { match, limit, per }");
                    continue;
                }
                ConfigReader entry = r.child((ConfigObject) list.get(i), at);
                unknownKeys(entry, (ConfigObject) list.get(i), RULE_KEYS, "match, limit, per");
                RateLimitConfig.Match match = entry.enumOf("match", RateLimitConfig.Match.class, null);
                rule(entry, match).ifPresent(rule -> {
                    if (rules.stream().anyMatch(x -> x.match() == rule.match())) {
                        entry.problem("match", "a second rule for " + name(rule.match())
                                + "; keep one rule per kind");
                    } else {
                        rules.add(rule);
                    }
                });
            }
        } else if (value != null && value.valueType() != ConfigValueType.NULL) {
            r.problem(RATES, "expected a list of { match, limit, per }");
        }
        Map<String, RateLimitConfig.Rule> users = new LinkedHashMap<>();
        ConfigValue userValue = r.valueAt(USER_RATES);
        if (userValue != null && userValue.valueType() == ConfigValueType.OBJECT) {
            for (Map.Entry<String, ConfigValue> e : ((ConfigObject) userValue).entrySet()) {
                String at = USER_RATES + "." + KnownKeys.quoteIfNeeded(e.getKey());
                if (e.getValue().valueType() != ConfigValueType.OBJECT) {
                    r.problemAt(e.getValue().origin(), at, "expected an object { limit, per }");
                    continue;
                }
                ConfigReader entry = r.child((ConfigObject) e.getValue(), at);
                unknownKeys(entry, (ConfigObject) e.getValue(), USER_RULE_KEYS, "limit, per");
                rule(entry, RateLimitConfig.Match.USER).ifPresent(rule -> users.put(e.getKey(), rule));
            }
        } else if (userValue != null && userValue.valueType() != ConfigValueType.NULL) {
            r.problem(USER_RATES, "expected an object of user name = { limit, per }");
        }
        RateLimitConfig.Store store = r.enumOf("relay.limits.store", RateLimitConfig.Store.class,
                RateLimitConfig.Store.LOCAL);
        Optional<String> url = r.optString("relay.limits.redis.url");
        url.ifPresent(u -> {
            try {
                URI uri = new URI(u);
                if (!"redis".equals(uri.getScheme()) && !"rediss".equals(uri.getScheme())) {
                    r.problem("relay.limits.redis.url", "expected redis://host:port or rediss://host:port, got \""
                            + u + "\"");
                }
            } catch (URISyntaxException e) {
                r.problem("relay.limits.redis.url", "not a URI: " + e.getMessage());
            }
        });
        if (store == RateLimitConfig.Store.REDIS && url.isEmpty()) {
            r.problem("relay.limits.redis.url", "needed when relay.limits.store = redis");
        }
        Duration timeout = r.duration("relay.limits.redis.timeout", RateLimitConfig.DEFAULT_REDIS_TIMEOUT);
        return new RateLimitConfig(rules, users, store, url, timeout);
    }

    private Optional<RateLimitConfig.Rule> rule(ConfigReader entry, RateLimitConfig.Match match) {
        int limit = entry.intIn("limit", 1, 100_000_000, 0);
        Duration per = entry.duration("per", null);
        if (match == null || limit == 0 || per == null) {
            return Optional.empty();
        }
        return Optional.of(new RateLimitConfig.Rule(match, limit, per));
    }

    private static void unknownKeys(ConfigReader entry, ConfigObject object, Set<String> allowed, String expected) {
        for (Map.Entry<String, ConfigValue> e : object.entrySet()) {
            if (!allowed.contains(e.getKey())) {
                entry.problemAt(e.getValue().origin(), KnownKeys.quoteIfNeeded(e.getKey()),
                        "unknown key; a rate takes " + expected);
            }
        }
    }

    static String name(RateLimitConfig.Match m) {
        return m.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
}
