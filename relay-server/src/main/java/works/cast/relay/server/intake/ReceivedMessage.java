package works.cast.relay.server.intake;

import works.cast.relay.core.dkim.MessageHashes;
import works.cast.relay.core.mail.Envelope;
import works.cast.relay.server.message.QueueId;
import works.cast.relay.server.smtp.SessionInfo;

/**
 * A message whose bytes are all spooled and hashed, at the end of DATA.
 *
 * @param id       queue id
 * @param session  the client
 * @param envelope MAIL FROM and RCPT TO
 * @param hashes   header block and body hashes
 * @param size     bytes received
 */
public record ReceivedMessage(QueueId id, SessionInfo session, Envelope envelope, MessageHashes hashes, long size) {
}
