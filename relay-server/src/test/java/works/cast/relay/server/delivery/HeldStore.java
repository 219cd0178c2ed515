package works.cast.relay.server.delivery;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import works.cast.relay.core.mail.TlsRequirement;
import works.cast.relay.server.message.AcceptedMessage;
import works.cast.relay.server.message.IndexEntry;
import works.cast.relay.server.message.MessageContent;
import works.cast.relay.server.message.MessageStore;
import works.cast.relay.server.message.OperatorRequest;
import works.cast.relay.server.message.QueueEntry;
import works.cast.relay.server.message.QueueId;
import works.cast.relay.server.message.RecipientStatus;

/**
 * A real store whose writes (side files, removals, queued reports) can be held, as a slow fsync would hold them: a
 * held write starts on a thread of its own once {@link #release} is called.
 */
final class HeldStore implements MessageStore {

    private final MessageStore store;
    private volatile CountDownLatch hold = new CountDownLatch(0);

    HeldStore(MessageStore store) {
        this.store = store;
    }

    /** Holds every write asked from now on. */
    void hold() {
        hold = new CountDownLatch(1);
    }

    void release() {
        hold.countDown();
    }

    private <T> CompletionStage<T> held(Supplier<CompletionStage<T>> write) {
        CountDownLatch latch = hold;
        if (latch.getCount() == 0) {
            return write.get();
        }
        CompletableFuture<T> f = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                if (!latch.await(30, TimeUnit.SECONDS)) {
                    f.completeExceptionally(new IOException("held write never released"));
                    return;
                }
            } catch (InterruptedException e) {
                f.completeExceptionally(e);
                return;
            }
            write.get().whenComplete((v, e) -> {
                if (e != null) {
                    f.completeExceptionally(e);
                } else {
                    f.complete(v);
                }
            });
        }, "held-store-write");
        t.setDaemon(true);
        t.start();
        return f;
    }

    @Override
    public CompletionStage<Void> updateLater(QueueEntry entry) {
        return held(() -> store.updateLater(entry));
    }

    @Override
    public CompletionStage<Boolean> removeLater(QueueId id) {
        return held(() -> store.removeLater(id));
    }

    @Override
    public CompletionStage<QueueEntry> enqueue(String reversePath, List<String> recipients, byte[] message,
                                               TlsRequirement tls) {
        return held(() -> store.enqueue(reversePath, recipients, message, tls));
    }

    @Override
    public List<IndexEntry> recover() throws IOException {
        return store.recover();
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

    @Override
    public CompletionStage<QueueEntry> commit(AcceptedMessage message, Path spoolFile) {
        return store.commit(message, spoolFile);
    }

    @Override
    public CompletionStage<QueueEntry> commit(AcceptedMessage message, Path spoolFile,
                                              List<RecipientStatus> recipients) {
        return store.commit(message, spoolFile, recipients);
    }

    @Override
    public void onCommitted(Consumer<QueueEntry> listener) {
        store.onCommitted(listener);
    }

    @Override
    public Optional<QueueEntry> load(QueueId id) throws IOException {
        return store.load(id);
    }

    @Override
    public boolean contains(QueueId id) {
        return store.contains(id);
    }

    @Override
    public MessageContent content(QueueEntry entry) {
        return store.content(entry);
    }

    @Override
    public byte[] headers(QueueEntry entry, int max) throws IOException {
        return store.headers(entry, max);
    }

    @Override
    public CompletionStage<List<OperatorRequest>> takeRequests() {
        return store.takeRequests();
    }
}
