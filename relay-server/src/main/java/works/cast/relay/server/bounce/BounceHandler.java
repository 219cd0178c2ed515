package works.cast.relay.server.bounce;

import java.nio.file.Path;
import java.util.Map;
import works.cast.relay.server.message.AcceptedMessage;
import works.cast.relay.server.message.DeliveryResult;

/**
 * Receives the recipients that a passthrough delivery could not deliver while others were delivered, so that a
 * delivery status notification (RFC 3464) reaches the sender: the client already got {@code 250} for the message.
 * Called once per message on an I/O thread, before the spool file is deleted.
 */
@FunctionalInterface
public interface BounceHandler {

    /**
     * @param message     the accepted message (envelope, prepended fields)
     * @param receivedBytes the spool file with the received bytes; readable only during this call
     * @param failed      the recipients not delivered, each with its deferral or failure
     */
    void bounce(AcceptedMessage message, Path receivedBytes, Map<String, DeliveryResult> failed);
}
