package works.cast.relay.server.message;

import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;

/**
 * A message the relay writes itself (a DSN, a TLS report), with the relay's own Message-ID: jakarta.mail would
 * otherwise make one from the local host name, which it looks up.
 */
public final class RelayMimeMessage extends MimeMessage {

    private final String messageId;

    /** @param messageId without angle brackets, e.g. {@code 01M8G7AXBZG4C5YF.dsn@relay.cast.works} */
    public RelayMimeMessage(Session session, String messageId) {
        super(session);
        this.messageId = messageId;
    }

    @Override
    protected void updateMessageID() throws MessagingException {
        setHeader("Message-ID", "<" + messageId + ">");
    }
}
