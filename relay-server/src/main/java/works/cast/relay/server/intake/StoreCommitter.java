package works.cast.relay.server.intake;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.concurrent.CompletionStage;
import works.cast.relay.server.message.AcceptedMessage;
import works.cast.relay.server.message.MessageStore;
import works.cast.relay.server.message.QueueId;
import works.cast.relay.server.message.Reply;

/**
 * Commits accepted messages to the durable {@link MessageStore} (queued delivery): the client gets
 * {@code 250 2.0.0 Ok: queued as <id>} once the store says the message survives a crash. Spool files live in the
 * store's own spool directory, so the commit is a copy within one file system.
 */
public final class StoreCommitter implements MessageCommitter {

    private final MessageStore store;

    public StoreCommitter(MessageStore store) {
        this.store = store;
    }

    @Override
    public CompletionStage<Reply> commit(AcceptedMessage message, Path spoolFile) {
        return store.commit(message, spoolFile).thenApply(e -> MessageCommitter.queued(e.id()));
    }

    @Override
    public Path spoolDirectory() {
        return store.spoolDirectory();
    }

    @Override
    public Path newSpoolFile(QueueId id) {
        return store.newSpoolFile(id);
    }

    @Override
    public FileChannel openSpool(Path spoolFile) throws IOException {
        return store.openSpool(spoolFile);
    }

    @Override
    public void storageFull() {
        store.storageFull();
    }
}
