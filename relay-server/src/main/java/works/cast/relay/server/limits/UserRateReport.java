package works.cast.relay.server.limits;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import works.cast.relay.server.config.RateLimitConfig;
import works.cast.relay.server.config.RelayConfig;

/**
 * The rate column of {@code dkim-relay users list}: each user's limit and current use. With the Redis store the
 * use is read from Redis (whether a relay runs or not); with local buckets it comes from the running relay's
 * {@code /metrics} on its management address.
 */
public final class UserRateReport implements AutoCloseable {

    private static final Pattern USED = Pattern.compile(
            "^dkim_relay_rate_limit_used\\{user=\"((?:[^\"\\\\]|\\\\.)*)\",?\\} ([0-9.eE+-]+)$", Pattern.MULTILINE);

    private final RateLimitConfig rates;
    private final RateLimiter limiter;
    private final Map<String, Long> relayUse;
    private final boolean relayReached;

    private UserRateReport(RateLimitConfig rates, RateLimiter limiter, Map<String, Long> relayUse,
                           boolean relayReached) {
        this.rates = rates;
        this.limiter = limiter;
        this.relayUse = relayUse;
        this.relayReached = relayReached;
    }

    /** A report for the relay of {@code config}; asks the relay or Redis once per user. */
    public static UserRateReport of(RelayConfig config) {
        RateLimitConfig rates = config.rateLimits();
        RateLimiter limiter = RateLimiter.create(rates, Clock.systemUTC(), m -> { });
        if (rates.store() == RateLimitConfig.Store.REDIS || !limiter.limitsSenders()) {
            return new UserRateReport(rates, limiter, Map.of(), false);
        }
        Optional<String> scrape = config.http().enabled()
                ? scrape(config.http().address(), config.http().port(), config.http().tokenFile()) : Optional.empty();
        Map<String, Long> use = new HashMap<>();
        scrape.ifPresent(text -> {
            Matcher m = USED.matcher(text);
            while (m.find()) {
                use.put(m.group(1).replace("\\\"", "\"").replace("\\\\", "\\"), (long) Double.parseDouble(m.group(2)));
            }
        });
        return new UserRateReport(rates, limiter, use, scrape.isPresent());
    }

    /** {@code rate=3/500 per 1h}, {@code rate=?/500 per 1h (relay not reachable)}, or empty when unlimited. */
    public Optional<String> describe(String user) {
        Optional<RateLimiter.Usage> usage;
        try {
            usage = limiter.userUsage(user).toCompletableFuture().get(2, TimeUnit.SECONDS);
        } catch (Exception e) {
            usage = Optional.empty();
        }
        RateLimitConfig.Rule rule = rates.userRates().get(user);
        if (rule == null) {
            rule = rates.rules().stream().filter(r -> r.match() == RateLimitConfig.Match.USER).findFirst()
                    .orElse(null);
        }
        if (rule == null) {
            return Optional.empty();
        }
        OptionalLong used;
        String note = "";
        if (rates.store() == RateLimitConfig.Store.REDIS) {
            used = usage.map(RateLimiter.Usage::used).orElse(OptionalLong.empty());
            note = used.isPresent() ? "" : " (redis not reachable)";
        } else if (relayReached) {
            used = OptionalLong.of(relayUse.getOrDefault(user, 0L));
        } else {
            used = OptionalLong.empty();
            note = " (relay not reachable)";
        }
        return Optional.of("rate=" + (used.isPresent() ? Long.toString(used.getAsLong()) : "?") + "/" + rule.limit()
                + " per " + human(rule.per()) + note);
    }

    /** The relay's metrics; with a token file (relay.http.token-file) as its bearer token. */
    private static Optional<String> scrape(String address, int port, Optional<java.nio.file.Path> tokenFile) {
        String host = address.contains(":") ? "[" + address + "]" : address;
        try {
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + host + ":" + port
                    + "/metrics")).timeout(Duration.ofSeconds(3));
            if (tokenFile.isPresent()) {
                String token = java.nio.file.Files.readString(tokenFile.get()).strip().lines().findFirst().orElse("");
                request.header("Authorization", "Bearer " + token.strip());
            }
            HttpResponse<String> r = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? Optional.of(r.body()) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    static String human(Duration d) {
        if (d.toDaysPart() > 0 && d.equals(Duration.ofDays(d.toDays()))) {
            return d.toDays() + "d";
        }
        if (d.equals(Duration.ofHours(d.toHours()))) {
            return d.toHours() + "h";
        }
        if (d.equals(Duration.ofMinutes(d.toMinutes()))) {
            return d.toMinutes() + "m";
        }
        return d.toSeconds() + "s";
    }

    @Override
    public void close() {
        limiter.close();
    }
}
