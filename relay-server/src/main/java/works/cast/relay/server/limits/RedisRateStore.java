package works.cast.relay.server.limits;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Buckets in Redis, shared by every relay that uses the same server: one hash per key, updated by a Lua script so
 * that take-and-refill is atomic. The time comes from the relay (its clock), so relays agree as far as their clocks
 * do and tests can use a test clock; a bucket never refills backwards when a relay's clock is behind.
 *
 * <p>Fails open towards the local buckets: while Redis cannot be reached or answers late (over {@code timeout}),
 * each call uses {@code fallback} and one WARN line says so; one INFO line says when Redis answers again. Limits
 * are a brake, not a gate: losing Redis never stops mail.
 */
final class RedisRateStore implements RateStore {

    private static final Logger log = LoggerFactory.getLogger(RedisRateStore.class);

    /** KEYS[1] bucket; ARGV limit, period ms, now ms, take (1) or peek (0). Returns taken*2^0 or used count. */
    private static final String SCRIPT = String.join("\n",
            "local limit = tonumber(ARGV[1])",
            "local period = tonumber(ARGV[2])",
            "local now = tonumber(ARGV[3])",
            "local state = redis.call('HMGET', KEYS[1], 't', 'ts')",
            "local tokens = tonumber(state[1])",
            "local ts = tonumber(state[2])",
            "if tokens == nil or ts == nil then tokens = limit; ts = now end",
            "if now > ts then tokens = math.min(limit, tokens + (now - ts) * limit / period); ts = now end",
            "if ARGV[4] == '0' then return math.ceil(limit - tokens - 1e-9) end",
            "local taken = 0",
            "if tokens >= 1 then tokens = tokens - 1; taken = 1 end",
            "redis.call('HSET', KEYS[1], 't', tostring(tokens), 'ts', tostring(ts))",
            "redis.call('PEXPIRE', KEYS[1], period)",
            "return taken");

    private static final long RECONNECT_MILLIS = 5_000;

    private final RedisClient client;
    private final RedisURI uri;
    private final LocalRateStore fallback;
    private final Duration timeout;
    private final String prefix;
    private final AtomicReference<CompletableFuture<StatefulRedisConnection<String, String>>> connection =
            new AtomicReference<>();
    private final AtomicLong lastConnectAttempt = new AtomicLong(Long.MIN_VALUE);
    private final AtomicBoolean down = new AtomicBoolean();

    RedisRateStore(String url, LocalRateStore fallback, Duration timeout) {
        this.uri = RedisURI.create(url);
        this.uri.setTimeout(timeout);
        this.client = RedisClient.create();
        // While disconnected, commands fail at once (and fall back) instead of queueing without bound.
        this.client.setOptions(ClientOptions.builder()
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .requestQueueSize(10_000)
                .build());
        this.fallback = fallback;
        this.timeout = timeout;
        this.prefix = "dkim-relay:rate:";
        connect();
    }

    @Override
    public CompletionStage<Boolean> tryTake(String key, long limit, long periodMillis, long nowMillis) {
        return run(key, limit, periodMillis, nowMillis, true)
                .thenApply(n -> n == 1L)
                .exceptionally(e -> fallback.take(key, limit, periodMillis, nowMillis));
    }

    @Override
    public CompletionStage<OptionalLong> used(String key, long limit, long periodMillis, long nowMillis) {
        return run(key, limit, periodMillis, nowMillis, false)
                .thenApply(OptionalLong::of)
                .exceptionally(e -> OptionalLong.empty());
    }

    private CompletableFuture<Long> run(String key, long limit, long periodMillis, long nowMillis, boolean take) {
        CompletableFuture<StatefulRedisConnection<String, String>> c = connection.get();
        if (c == null || c.isCompletedExceptionally()) {
            c = connect();
        }
        return c.thenCompose(conn -> conn.async().<Long>eval(SCRIPT, ScriptOutputType.INTEGER,
                        new String[] {prefix + key}, Long.toString(limit), Long.toString(periodMillis),
                        Long.toString(nowMillis), take ? "1" : "0").toCompletableFuture())
                .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((n, e) -> health(e));
    }

    /** One connect attempt at a time, at most every five seconds while Redis is away. */
    private CompletableFuture<StatefulRedisConnection<String, String>> connect() {
        CompletableFuture<StatefulRedisConnection<String, String>> current = connection.get();
        long now = System.currentTimeMillis();
        long last = lastConnectAttempt.get();
        if (current != null && !current.isCompletedExceptionally()) {
            return current;
        }
        if (current != null && now - last < RECONNECT_MILLIS) {
            return current;
        }
        if (!lastConnectAttempt.compareAndSet(last, now)) {
            CompletableFuture<StatefulRedisConnection<String, String>> other = connection.get();
            return other != null ? other : CompletableFuture.failedFuture(new IllegalStateException("connecting"));
        }
        CompletableFuture<StatefulRedisConnection<String, String>> next =
                client.connectAsync(StringCodec.UTF8, uri).toCompletableFuture();
        next.whenComplete((conn, e) -> health(e));
        connection.set(next);
        return next;
    }

    private void health(Throwable failure) {
        if (failure != null) {
            if (down.compareAndSet(false, true)) {
                log.warn("rate limits: redis {} unreachable, using this relay's own counters until it answers: {}",
                        uri.getHost() + ":" + uri.getPort(), rootMessage(failure));
            }
        } else if (down.compareAndSet(true, false)) {
            log.info("rate limits: redis {} answers again, counters are shared", uri.getHost() + ":" + uri.getPort());
        }
    }

    private static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
    }

    @Override
    public void close() {
        CompletableFuture<StatefulRedisConnection<String, String>> c = connection.getAndSet(null);
        if (c != null && c.isDone() && !c.isCompletedExceptionally()) {
            c.join().close();
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        fallback.close();
    }
}
