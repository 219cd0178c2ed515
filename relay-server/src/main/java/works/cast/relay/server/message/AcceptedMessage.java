package works.cast.relay.server.message;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import works.cast.relay.core.mail.Envelope;

/**
 * A message that passed every check and is about to be committed.
 *
 * @param id            queue id
 * @param envelope      MAIL FROM and RCPT TO
 * @param prepend       the header fields that go above the received bytes, in wire form
 * @param received      when DATA ended
 * @param clientAddress client IP, for the sidecar and logs
 * @param authUser      authenticated user, if any
 * @param authorDomain  the From domain, if it could be read
 * @param signatures    {@code d=/s=/a=} of each signature, for logs
 * @param size          size of the received bytes
 */
public record AcceptedMessage(QueueId id, Envelope envelope, byte[] prepend, Instant received, String clientAddress,
                              Optional<String> authUser, Optional<String> authorDomain, List<String> signatures,
                              long size) {

    public AcceptedMessage {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(envelope, "envelope");
        prepend = prepend.clone();
        Objects.requireNonNull(received, "received");
        Objects.requireNonNull(clientAddress, "clientAddress");
        Objects.requireNonNull(authUser, "authUser");
        Objects.requireNonNull(authorDomain, "authorDomain");
        signatures = List.copyOf(signatures);
    }

    @Override
    public byte[] prepend() {
        return prepend.clone();
    }
}
