package works.cast.relay.server.delivery;

import java.util.Map;
import java.util.concurrent.CompletionStage;
import works.cast.relay.server.message.DeliveryResult;

/**
 * Hands messages to the next hop: a smarthost, the recipients' MX hosts, or a directory. Thread-safe; a forwarder
 * limits its own connections and never blocks the caller.
 *
 * <p>The stage completes with one {@link DeliveryResult} per recipient of the message (a failure to connect defers
 * every recipient). It never completes exceptionally.
 */
public interface Forwarder extends AutoCloseable {

    CompletionStage<Map<String, DeliveryResult>> forward(OutboundMessage message);

    /** A short description of the next hop for logs, such as {@code smarthost mail.example.net:587}. */
    String describe();

    @Override
    void close();
}
