package works.cast.relay.server.limits;

import java.util.Iterator;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Buckets in this process. Memory is bounded: full buckets (keys at rest) are dropped when the map grows past
 * {@link #SWEEP_AT}, and past {@code maxKeys} a new key is admitted without a bucket (fail open, as the limits do
 * when Redis is away) rather than growing without end.
 */
final class LocalRateStore implements RateStore {

    static final int SWEEP_AT = 10_000;

    private final Map<String, TokenBucket> buckets = new ConcurrentHashMap<>();
    private final int maxKeys;

    LocalRateStore(int maxKeys) {
        this.maxKeys = maxKeys;
    }

    @Override
    public CompletionStage<Boolean> tryTake(String key, long limit, long periodMillis, long nowMillis) {
        return CompletableFuture.completedFuture(take(key, limit, periodMillis, nowMillis));
    }

    boolean take(String key, long limit, long periodMillis, long nowMillis) {
        TokenBucket bucket = buckets.get(key);
        if (bucket == null) {
            if (buckets.size() >= SWEEP_AT) {
                sweep(nowMillis);
            }
            if (buckets.size() >= maxKeys) {
                return true;
            }
            bucket = buckets.computeIfAbsent(key, k -> new TokenBucket(limit, periodMillis, nowMillis));
        }
        synchronized (bucket) {
            return bucket.tryTake(nowMillis);
        }
    }

    @Override
    public CompletionStage<OptionalLong> used(String key, long limit, long periodMillis, long nowMillis) {
        TokenBucket bucket = buckets.get(key);
        if (bucket == null) {
            return CompletableFuture.completedFuture(OptionalLong.of(0));
        }
        synchronized (bucket) {
            return CompletableFuture.completedFuture(OptionalLong.of(bucket.used(nowMillis)));
        }
    }

    /** Use of every bucket whose key starts with {@code prefix} and that is not at rest, by the rest of its key. */
    Map<String, Long> usedByKey(String prefix, long nowMillis) {
        Map<String, Long> out = new java.util.TreeMap<>();
        buckets.forEach((key, bucket) -> {
            if (key.startsWith(prefix)) {
                synchronized (bucket) {
                    long used = bucket.used(nowMillis);
                    if (used > 0) {
                        out.put(key.substring(prefix.length()), used);
                    }
                }
            }
        });
        return out;
    }

    int size() {
        return buckets.size();
    }

    private void sweep(long nowMillis) {
        for (Iterator<TokenBucket> it = buckets.values().iterator(); it.hasNext(); ) {
            TokenBucket b = it.next();
            synchronized (b) {
                if (b.isFull(nowMillis)) {
                    it.remove();
                }
            }
        }
    }

    @Override
    public void close() {
        buckets.clear();
    }
}
