package works.cast.relay.server.limits;

/**
 * A token bucket of {@code capacity} tokens refilled at {@code capacity / periodMillis} per millisecond: after a
 * quiet period a burst of {@code capacity} passes, then one message per {@code periodMillis / capacity}.
 * Not thread-safe; {@link LocalRateStore} synchronizes on the bucket.
 */
final class TokenBucket {

    private final long capacity;
    private final long periodMillis;
    private double tokens;
    private long updatedMillis;

    TokenBucket(long capacity, long periodMillis, long nowMillis) {
        this.capacity = capacity;
        this.periodMillis = periodMillis;
        this.tokens = capacity;
        this.updatedMillis = nowMillis;
    }

    /** Takes one token if there is one. */
    boolean tryTake(long nowMillis) {
        refill(nowMillis);
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }

    /** Tokens taken and not yet refilled, rounded up: 0 for a bucket at rest. */
    long used(long nowMillis) {
        refill(nowMillis);
        return (long) Math.ceil(capacity - tokens - 1e-9);
    }

    /** A full bucket is the same as no bucket; the store drops those. */
    boolean isFull(long nowMillis) {
        refill(nowMillis);
        return tokens >= capacity;
    }

    private void refill(long nowMillis) {
        long elapsed = nowMillis - updatedMillis;
        if (elapsed > 0) {
            tokens = Math.min(capacity, tokens + (double) elapsed * capacity / periodMillis);
            updatedMillis = nowMillis;
        }
    }
}
