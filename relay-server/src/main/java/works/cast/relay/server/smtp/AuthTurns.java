package works.cast.relay.server.smtp;

import java.net.InetAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * At most one AUTH in flight per client ({@link ClientKey}: an IPv4 address or an IPv6 /64): a second one waits
 * until the first has been answered, failure delay included. Many connections from one address therefore test
 * passwords no faster than one, while an application that opens a few connections at once still gets each of them
 * authenticated, one after the other, instead of a refusal. The waiting connections are bounded by the
 * per-address connection limit; a client's entry goes away when its last AUTH is answered. Thread-safe.
 */
final class AuthTurns {

    private final ConcurrentHashMap<InetAddress, CompletableFuture<Void>> tails = new ConcurrentHashMap<>();

    /**
     * Runs {@code check} once every earlier check of the same client has completed; the stage it returns must
     * complete (normally or not) when the AUTH has been answered.
     */
    void inTurn(InetAddress client, Supplier<? extends CompletionStage<?>> check) {
        InetAddress key = ClientKey.of(client);
        CompletableFuture<Void> mine = new CompletableFuture<>();
        CompletableFuture<Void> before = tails.put(key, mine);
        CompletableFuture<Void> start = before == null ? CompletableFuture.completedFuture(null) : before;
        start.whenComplete((v, e) -> {
            CompletionStage<?> answered;
            try {
                answered = check.get();
            } catch (RuntimeException ex) {
                answered = CompletableFuture.failedFuture(ex);
            }
            answered.whenComplete((r, ex) -> {
                tails.remove(key, mine);
                mine.complete(null);
            });
        });
    }

    /** Clients with an AUTH in flight or waiting. */
    int clients() {
        return tails.size();
    }
}
