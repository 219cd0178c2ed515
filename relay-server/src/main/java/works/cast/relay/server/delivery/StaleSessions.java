package works.cast.relay.server.delivery;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import works.cast.relay.server.message.DeliveryResult;

/**
 * Sending on pooled sessions: a session can close while it sits idle (the server hangs up, or a stray reply arrives
 * in the same read as the last awaited one) after the pool handed it out. Such a session is skipped for another
 * rather than deferring a message of which nothing was written.
 */
final class StaleSessions {

    private StaleSessions() {
    }

    /** How many idle sessions found closed one message may skip before it takes a fresh one's result. */
    private static final int STALE_RETRIES = 3;

    /**
     * Sends {@code message} on a session from {@code acquire}, given back by {@code release} after each try; a
     * session found closed while idle is skipped for another, at most {@link #STALE_RETRIES} times.
     */
    static <L> CompletableFuture<Map<String, DeliveryResult>> send(
            OutboundMessage message, Supplier<CompletableFuture<L>> acquire,
            Function<L, UpstreamSession> session, Consumer<L> release) {
        return send(message, acquire, session, release, STALE_RETRIES);
    }

    private static <L> CompletableFuture<Map<String, DeliveryResult>> send(
            OutboundMessage message, Supplier<CompletableFuture<L>> acquire,
            Function<L, UpstreamSession> session, Consumer<L> release,
            int retries) {
        return acquire.get().thenCompose(lease -> session.apply(lease).send(message)
                .whenComplete((r, e) -> release.accept(lease))
                .handle((r, e) -> {
                    if (e == null) {
                        return CompletableFuture.completedFuture(r);
                    }
                    Throwable c = e instanceof CompletionException && e.getCause() != null
                            ? e.getCause() : e;
                    if (c instanceof UpstreamSession.StaleSessionException && retries > 0) {
                        return send(message, acquire, session, release, retries - 1);
                    }
                    return CompletableFuture.<Map<String, DeliveryResult>>failedFuture(c);
                })
                .thenCompose(f -> f));
    }
}
