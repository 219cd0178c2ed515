package works.cast.relay.server.limits;

import java.util.OptionalLong;
import java.util.concurrent.CompletionStage;

/**
 * Where token buckets live. Keys are opaque strings such as {@code user:billing}; each call names the bucket's size
 * and period so that a changed limit applies at once. Implementations never block the caller.
 */
interface RateStore extends AutoCloseable {

    /** Takes one token from the bucket of {@code key}; completes with false when the bucket is empty. */
    CompletionStage<Boolean> tryTake(String key, long limit, long periodMillis, long nowMillis);

    /** Messages counted against {@code key} and not yet refilled, when the store can tell. */
    CompletionStage<OptionalLong> used(String key, long limit, long periodMillis, long nowMillis);

    @Override
    void close();
}
