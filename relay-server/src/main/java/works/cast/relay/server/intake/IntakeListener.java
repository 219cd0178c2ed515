package works.cast.relay.server.intake;

import works.cast.relay.core.dkim.SigningRequest;
import works.cast.relay.server.message.AcceptedMessage;
import works.cast.relay.server.message.Reply;

/**
 * Hears the outcome of every message at the end of DATA, for the per-message log line and metrics. Called on I/O
 * threads; implementations must be thread-safe and quick.
 */
public interface IntakeListener {

    void accepted(ReceivedMessage message, AcceptedMessage accepted);

    void rejected(ReceivedMessage message, String reason, Reply reply, java.util.Optional<String> authorDomain);

    void signed(SigningRequest request, long nanos);
}
