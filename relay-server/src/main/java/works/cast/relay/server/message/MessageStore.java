package works.cast.relay.server.message;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import works.cast.relay.core.mail.TlsRequirement;

/**
 * Where accepted messages are kept until every recipient is final (RFC 5321 section 4.5.4: once the relay answers
 * 250 it owns the message). It knows nothing about SMTP or delivery: intake spools and commits messages, the delivery
 * scheduler reads, updates and removes them.
 *
 * <p>Call order: {@link #recover} once, before intake starts and before the scheduler registers with
 * {@link #onCommitted}; then any of the others from any thread. {@link #commit} writes on the calling (intake I/O)
 * thread; it and {@link #enqueue} complete on the store's commit thread once the message survives a crash.
 * {@link #enqueue}, {@link #updateLater} and {@link #removeLater} do their file work on the store's own I/O thread,
 * one at a time in the order asked, so a caller such as the delivery scheduler never waits for a write or an fsync.
 */
public interface MessageStore {

    /**
     * Brings the store back to committed messages only, after a crash or a clean stop, and returns the index of
     * every usable message (unusable ones are set aside, never delivered).
     */
    List<IndexEntry> recover() throws IOException;

    /** Where incoming messages are spooled while they arrive; on the same file system as the committed ones. */
    Path spoolDirectory();

    /** The spool file of an id. */
    default Path spoolFile(QueueId id) {
        return spoolDirectory().resolve(id.value() + ".eml");
    }

    /**
     * The spool file for a message about to arrive, asked once per message (without I/O, on any thread); it may be
     * a reused one, given back when the message is committed.
     */
    default Path newSpoolFile(QueueId id) {
        return spoolFile(id);
    }

    /**
     * Opens a spool file from {@link #newSpoolFile} for writing from offset 0. It may be a reused file with old
     * bytes: the writer truncates it to what it wrote.
     */
    FileChannel openSpool(Path spoolFile) throws IOException;

    /** A spool write failed (most likely a full disk): release any space kept for reuse. */
    void storageFull();

    /**
     * Commits a received message with every recipient pending and due now; takes the spool file over. Fails (and
     * leaves nothing behind) on an I/O error.
     */
    CompletionStage<QueueEntry> commit(AcceptedMessage message, Path spoolFile);

    /**
     * Commits a message whose recipients already have a state, such as those a passthrough delivery deferred (tried
     * once, due again later); otherwise as {@link #commit(AcceptedMessage, Path)}.
     */
    CompletionStage<QueueEntry> commit(AcceptedMessage message, Path spoolFile, List<RecipientStatus> recipients);

    /**
     * Queues a message the relay writes itself (a DSN, a TLS report) through the same commit, with the TLS
     * requirement its own header asks ({@code TLS-Required: No}, RFC 8689 section 5).
     *
     * @param reversePath MAIL FROM, empty for the null sender
     * @param recipients  RCPT TO
     * @param message     the whole message in wire form (CRLF)
     */
    default CompletionStage<QueueEntry> enqueue(String reversePath, List<String> recipients, byte[] message) {
        return enqueue(reversePath, recipients, message, TlsRequirement.ofMessage(message));
    }

    /** As {@link #enqueue(String, List, byte[])}, tagged with {@code tls} (the DSN of a REQUIRETLS message). */
    CompletionStage<QueueEntry> enqueue(String reversePath, List<String> recipients, byte[] message,
                                        TlsRequirement tls);

    /** Hears every message once it is durably committed, on the commit thread. */
    void onCommitted(Consumer<QueueEntry> listener);

    /** The message's current state, or empty when it is no longer stored. Reads the disk: not on an event loop. */
    Optional<QueueEntry> load(QueueId id) throws IOException;

    /** True while the message is stored. */
    boolean contains(QueueId id);

    /**
     * Writes the recipients' new state on the store's I/O thread; completes once it is durable. A message no longer
     * stored is skipped.
     */
    CompletionStage<Void> updateLater(QueueEntry entry);

    /** Removes a message on the store's I/O thread; completes with whether it was stored. */
    CompletionStage<Boolean> removeLater(QueueId id);

    /** The bytes to send: prepended fields, then the received bytes, streamed from disk for every attempt. */
    MessageContent content(QueueEntry entry);

    /**
     * The header section as sent (prepended fields and the received header block), at most {@code max} bytes and
     * cut at a line end; for the text/rfc822-headers part of a DSN.
     */
    byte[] headers(QueueEntry entry, int max) throws IOException;

    /**
     * Reads and removes, on the store's I/O thread, the requests the {@code queue} command left for the running
     * relay.
     */
    CompletionStage<List<OperatorRequest>> takeRequests();
}
