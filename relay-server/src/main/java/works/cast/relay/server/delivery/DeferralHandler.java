package works.cast.relay.server.delivery;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import works.cast.relay.server.message.AcceptedMessage;
import works.cast.relay.server.message.DeliveryResult;

/**
 * Takes over the recipients that a passthrough delivery deferred (4xx) while others were delivered, so that they are
 * retried: the client gets {@code 250} for the message only once they are durably queued (RFC 5321 section 4.5.4).
 * Called once per message on an I/O thread, after the {@link works.cast.relay.server.bounce.BounceHandler}.
 */
@FunctionalInterface
public interface DeferralHandler {

    /**
     * @param message       the accepted message (envelope, prepended fields)
     * @param receivedBytes the spool file with the received bytes; the handler takes it over
     * @param deferred      the deferred recipients, each with the upstream's reply
     * @param upstream      the next hop that deferred them, for the queue listing
     * @return completes once the recipients survive a crash; fails when they could not be queued
     */
    CompletionStage<?> defer(AcceptedMessage message, Path receivedBytes, Map<String, DeliveryResult> deferred,
                             String upstream);
}
