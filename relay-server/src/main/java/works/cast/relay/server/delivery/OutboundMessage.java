package works.cast.relay.server.delivery;

import java.util.List;
import java.util.Objects;
import works.cast.relay.server.message.MessageContent;
import works.cast.relay.server.message.QueueId;

/**
 * One message to hand to an upstream, for some of its recipients.
 *
 * @param id          queue id, for logs
 * @param reversePath MAIL FROM, empty for the null sender
 * @param recipients  the recipients still to deliver in this attempt
 * @param size        total size in bytes (prepended fields + received bytes), for SIZE=
 * @param eightBit    the message needs BODY=8BITMIME
 * @param smtpUtf8    the message needs SMTPUTF8
 * @param content     opens the bytes to send, prepended fields first, not dot-stuffed
 */
public record OutboundMessage(QueueId id, String reversePath, List<String> recipients, long size, boolean eightBit,
                              boolean smtpUtf8, MessageContent content) {

    public OutboundMessage {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(reversePath, "reversePath");
        recipients = List.copyOf(recipients);
        Objects.requireNonNull(content, "content");
    }

}
