package works.cast.relay.server.intake;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletionStage;
import works.cast.relay.server.message.AcceptedMessage;
import works.cast.relay.server.message.QueueId;
import works.cast.relay.server.message.Reply;
import works.cast.relay.server.smtp.Replies;

/**
 * Takes over a received, signed message: the point after which the relay answers and owns the message. Called on an
 * I/O thread, never on an event loop.
 *
 * <p>A queue or outbox completes the stage with {@code 250 2.0.0 Ok: queued as <id>} only once the message survives
 * a crash; passthrough delivery completes it with the upstream's own reply. A failed stage (an {@link
 * java.io.IOException}, disk full) makes the client see {@code 452 4.3.1}, and the committer leaves nothing behind.
 */
public interface MessageCommitter {

    /**
     * @param message   the envelope, the fields to prepend (Received, DKIM-Signature, added Date/Message-ID) and
     *                  facts for logs
     * @param spoolFile the exact received bytes; the committer takes it over (moves or deletes it)
     * @return the reply for the client
     */
    CompletionStage<Reply> commit(AcceptedMessage message, Path spoolFile);

    /** Where incoming messages are spooled while they arrive; on the same file system as the committed ones. */
    Path spoolDirectory();

    /** The positive reply of a committed message. */
    static Reply queued(QueueId id) {
        return Replies.queued(id.value());
    }

    /** The spool file of an id. */
    default Path spoolFile(QueueId id) {
        return spoolDirectory().resolve(id.value() + ".eml");
    }

    /**
     * The spool file for a message about to arrive, asked once per message (without I/O, on any thread): {@link
     * #spoolFile} unless the committer reuses spool files.
     */
    default Path newSpoolFile(QueueId id) {
        return spoolFile(id);
    }

    /**
     * Opens a spool file from {@link #newSpoolFile} for writing from offset 0. It may be a reused file with old
     * bytes: the writer truncates it to what it wrote.
     */
    default FileChannel openSpool(Path spoolFile) throws IOException {
        return FileChannel.open(spoolFile, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    }

    /** A spool write failed (most likely a full disk): release any space kept for reuse. */
    default void storageFull() {
    }
}
