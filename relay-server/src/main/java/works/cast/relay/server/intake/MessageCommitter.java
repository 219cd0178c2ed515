package works.cast.relay.server.intake;

import java.io.IOException;
import java.nio.file.Path;
import works.cast.relay.server.queue.QueueId;

/**
 * Makes a received, signed message durable: the point after which the relay answers 250 and owns the message.
 * Called on an I/O thread, never on an event loop; returns only when the message survives a crash.
 */
public interface MessageCommitter {

    /**
     * @param message   the envelope, the fields to prepend (Received, DKIM-Signature, added Date/Message-ID) and
     *                  facts for logs
     * @param spoolFile the exact received bytes; the committer takes it over (moves or deletes it)
     */
    void commit(AcceptedMessage message, Path spoolFile) throws IOException;

    /** Where incoming messages are spooled while they arrive; on the same file system as the committed ones. */
    Path spoolDirectory();

    /** Convenience for implementations: the spool file of an id. */
    default Path spoolFile(QueueId id) {
        return spoolDirectory().resolve(id.value() + ".eml");
    }
}
