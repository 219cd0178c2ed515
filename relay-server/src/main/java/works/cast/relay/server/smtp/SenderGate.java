package works.cast.relay.server.smtp;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import works.cast.relay.server.message.Reply;

/**
 * Decides at MAIL whether a transaction may start (sending rate limits). Called on the channel's event loop; must
 * not block, and may complete on any thread. A failed stage lets the transaction go on: the gate is a brake.
 */
@FunctionalInterface
public interface SenderGate {

    /** Lets every sender through without an extra step. */
    SenderGate OPEN = (session, reversePath) -> CompletableFuture.completedFuture(Optional.empty());

    /** Completes with the reply that refuses the MAIL command, or empty to accept it. */
    CompletionStage<Optional<Reply>> admit(SessionInfo session, String reversePath);
}
