package works.cast.relay.server.intake;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import works.cast.relay.server.message.Reply;

/**
 * Decides at the end of DATA whether mail from the From header's domain may go on (the per-domain sending rate).
 * Called on an I/O thread; may complete on any thread. A failed stage lets the message go on.
 */
@FunctionalInterface
public interface AuthorGate {

    AuthorGate OPEN = domain -> CompletableFuture.completedFuture(Optional.empty());

    /** Completes with the reply that refuses the message, or empty to sign and queue it. */
    CompletionStage<Optional<Reply>> admit(String authorDomain);
}
