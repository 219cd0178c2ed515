package works.cast.relay.server.queue;

import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
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
 * The durable queue on {@code queue.dir} (RFC 5321 section 4.5.4: once the relay answers 250 it owns the message).
 * Commit order: write the message file in a spare file of {@code spare/} or a new {@code <id>.msg.tmp} (header,
 * prepended fields, the received bytes copied from the spool file, trailer with length and CRC32C;
 * {@link MessageFile}), fsync it, rename it to {@code <id>.msg}, fsync the directory: that fsync is the commit point. It is shared by every message ready before it started
 * ({@link GroupCommit}); the 250 goes out only after it. The spool file itself is never fsynced.
 *
 * <p>It is the relay's {@link MessageStore} and knows nothing about SMTP or delivery. Threads: {@link #commit} runs
 * its file work on the calling I/O thread and completes on the commit thread; {@link #enqueue}, {@link #updateLater}
 * and {@link #removeLater} run on the queue's store thread, one at a time in the order asked;
 * {@link #update} and {@link #remove} block the caller (the command line and tests). Holds {@code <dir>/.lock} until
 * {@link #close}. Call {@link #recover} once before the listener starts.
 */
public final class FileMessageQueue implements MessageStore, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(FileMessageQueue.class);

    private final QueueFiles files;
    private final Clock clock;
    private final QueueLock lock;
    private final GroupCommit group;
    private final SpareFiles spares;
    private final SpoolSlots slots;
    /** Side-file writes, removals and reports for the delivery scheduler, one at a time, in order, off its thread. */
    private final ExecutorService store = Executors.newSingleThreadExecutor(
            new DefaultThreadFactory("queue-store", true));
    private volatile Consumer<QueueEntry> listener = e -> { };
    private final QueueControl control;

    public FileMessageQueue(Path dir, Clock clock) throws IOException {
        this(dir, clock, FileSystemGuard.REAL);
    }

    FileMessageQueue(Path dir, Clock clock, FileSystemGuard guard) throws IOException {
        this.files = new QueueFiles(dir, guard);
        this.clock = clock;
        files.createDirectories();
        this.lock = acquire(dir);
        this.control = new QueueControl(dir, clock);
        this.group = new GroupCommit(files::fsyncDirectory, "queue-commit");
        this.slots = new SpoolSlots(files.incoming());
        this.spares = files.useSpares(new SpareFiles.Generations() {
            @Override
            public long next() {
                return group.nextGeneration();
            }

            @Override
            public long durable() {
                return group.durableGeneration();
            }
        });
    }

    private static QueueLock acquire(Path dir) throws IOException {
        for (int i = 0; i < 50; i++) {
            Optional<QueueLock> l = QueueLock.tryAcquire(dir);
            if (l.isPresent()) {
                return l.get();
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new IOException("queue directory " + dir + " is in use by another relay");
    }

    public Path directory() {
        return files.dir();
    }

    QueueFiles files() {
        return files;
    }

    /** Hears every message once it is durably committed, on the commit thread; set before the listener starts. */
    @Override
    public void onCommitted(Consumer<QueueEntry> listener) {
        this.listener = listener;
    }

    @Override
    public Path spoolDirectory() {
        return files.incoming();
    }

    /** A free spool file of {@code incoming/}, reused without a rename ({@link SpoolSlots}). */
    @Override
    public Path newSpoolFile(QueueId id) {
        return slots.take();
    }

    @Override
    public FileChannel openSpool(Path spoolFile) throws IOException {
        return isSlot(spoolFile) ? FileChannel.open(spoolFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)
                : spares.create(spoolFile);
    }

    private boolean isSlot(Path spoolFile) {
        return SpoolSlots.isSlot(spoolFile) && files.incoming().equals(spoolFile.getParent());
    }

    @Override
    public void storageFull() {
        spares.release();
        slots.release();
    }

    @Override
    public CompletionStage<QueueEntry> commit(AcceptedMessage m, Path spoolFile) {
        Instant now = clock.instant();
        List<RecipientStatus> rcpts = m.envelope().recipients().stream()
                .map(r -> RecipientStatus.pending(r, now)).toList();
        return commit(m, spoolFile, rcpts);
    }

    /**
     * Commits a message whose recipients already have a state, such as those a passthrough delivery deferred (tried
     * once, due again later); otherwise as {@link #commit(AcceptedMessage, Path)}.
     */
    @Override
    public CompletionStage<QueueEntry> commit(AcceptedMessage m, Path spoolFile, List<RecipientStatus> recipients) {
        return commitEntry(new QueueEntry(m.id(), m.envelope().reversePath(), recipients, m.received(), m.size(),
                m.envelope().eightBit(), m.envelope().smtpUtf8(), m.prepend(), m.clientAddress(), m.authUser(),
                m.envelope().tls()),
                spoolFile);
    }

    /**
     * Queues a message the relay writes itself: the bytes go to a spool file and through the same commit. The file
     * work (and its fsync) runs on the queue's store thread, so a caller such as the delivery scheduler never waits
     * for it.
     */
    @Override
    public CompletionStage<QueueEntry> enqueue(String reversePath, List<String> recipients, byte[] message,
                                               TlsRequirement tls) {
        CompletableFuture<QueueEntry> done = new CompletableFuture<>();
        try {
            store.execute(() -> enqueueNow(reversePath, recipients, message, tls).whenComplete((e, failure) -> {
                if (failure != null) {
                    done.completeExceptionally(failure);
                } else {
                    done.complete(e);
                }
            }));
        } catch (RejectedExecutionException e) {
            done.completeExceptionally(new IOException("queue is closed"));
        }
        return done;
    }

    private CompletableFuture<QueueEntry> enqueueNow(String reversePath, List<String> recipients, byte[] message,
                                                     TlsRequirement tls) {
        QueueId id = QueueId.next();
        Path spool = newSpoolFile(id);
        try (FileChannel ch = openSpool(spool)) {
            files.guard().write(ch, ByteBuffer.wrap(message));
            ch.truncate(message.length);
        } catch (IOException e) {
            rollback(id, spool);
            return CompletableFuture.failedFuture(e);
        }
        Instant now = clock.instant();
        QueueEntry entry = new QueueEntry(id, reversePath, recipients.stream()
                .map(r -> RecipientStatus.pending(r, now)).toList(), now, message.length,
                false, false, new byte[0], "local", Optional.empty(), tls);
        return commitEntry(entry, spool);
    }

    private CompletableFuture<QueueEntry> commitEntry(QueueEntry entry, Path spoolFile) {
        QueueId id = entry.id();
        try {
            files.writeMessage(entry, spoolFile);
        } catch (IOException | RuntimeException e) {
            rollback(id, spoolFile);
            storageFull(); // most likely the disk is full: give the space back
            return CompletableFuture.failedFuture(e);
        }
        boolean slot = isSlot(spoolFile) && entry.size() <= SpoolSlots.MAX_FILE_BYTES;
        if (!slot) { // a spool file too large to keep is unlinked here, not on the commit thread
            try {
                spares.recycle(spoolFile); // its bytes are in the message file now
            } catch (IOException e) {
                log.debug("cannot remove spool file {}: {}", spoolFile, e.toString());
            }
        }
        CompletableFuture<QueueEntry> done = new CompletableFuture<>();
        group.sync().whenComplete((v, failure) -> {
            if (failure != null) {
                rollback(id, spoolFile);
                done.completeExceptionally(failure);
                return;
            }
            if (slot) {
                // Only now: on a failed commit the intake removes the spool file, which must not be another
                // message's by then.
                slots.giveBack(spoolFile, entry.size());
            }
            try {
                listener.accept(entry);
            } catch (RuntimeException e) {
                log.error("queue listener failed id={}", id, e);
            }
            done.complete(entry);
        });
        return done;
    }

    /** Leaves nothing half-accepted: no message file the client was not told about, no temporary files. */
    private void rollback(QueueId id, Path spoolFile) {
        for (Path p : List.of(QueueFiles.tmp(files.msg(id)), files.msg(id), spoolFile)) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                log.warn("cannot remove {} after a failed commit: {}", p, e.toString());
            }
        }
    }

    /**
     * Brings the directory back to committed messages only, after a crash or a clean stop: removes temporary files
     * and messages never answered 250, rewrites v1 messages as v2, checks every message file (version, id, length,
     * CRC) and side file, moves unusable ones to {@code corrupt/} with one log line each, and returns the index of
     * every usable message. Reads one message at a time: memory does not grow with the queue beyond the index.
     */
    @Override
    public List<IndexEntry> recover() throws IOException {
        return new Recovery(files).run();
    }

    /** The message's current state, or empty when it is no longer queued. */
    @Override
    public Optional<QueueEntry> load(QueueId id) throws IOException {
        try {
            return Optional.of(files.read(id, false));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /** True while the message is queued. */
    @Override
    public boolean contains(QueueId id) {
        return files.contains(id);
    }

    /** Writes the recipients' new state to the side file atomically and waits for the directory fsync. */
    public void update(QueueEntry entry) throws IOException {
        files.writeState(entry);
        try {
            group.sync().join();
        } catch (java.util.concurrent.CompletionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        }
    }

    /**
     * Writes the recipients' new state as {@link #update} does, on the queue's store thread, in the order asked;
     * completes after the directory fsync. A message no longer queued is skipped. (A removal on another thread
     * between that check and the rename can still leave a side file without its message; recovery moves it to
     * {@code corrupt/}, and no message is delivered again for it.)
     */
    @Override
    public CompletableFuture<Void> updateLater(QueueEntry entry) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            store.execute(() -> {
                try {
                    if (!files.contains(entry.id())) {
                        done.complete(null);
                        return;
                    }
                    files.writeState(entry);
                } catch (IOException | RuntimeException e) {
                    done.completeExceptionally(e);
                    return;
                }
                group.sync().whenComplete((v, f) -> {
                    if (f != null) {
                        done.completeExceptionally(f);
                    } else {
                        done.complete(null);
                    }
                });
            });
        } catch (RejectedExecutionException e) {
            done.completeExceptionally(new IOException("queue is closed"));
        }
        return done;
    }

    /** Removes a message from the queue ({@code .msg} first, then its side file). */
    public void remove(QueueId id) throws IOException {
        files.remove(id);
    }

    /** As {@link #remove}, on the queue's store thread after the writes asked before it. */
    @Override
    public CompletableFuture<Boolean> removeLater(QueueId id) {
        CompletableFuture<Boolean> done = new CompletableFuture<>();
        try {
            store.execute(() -> {
                try {
                    boolean existed = files.contains(id);
                    files.remove(id);
                    done.complete(existed);
                } catch (IOException | RuntimeException e) {
                    done.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException e) {
            done.completeExceptionally(new IOException("queue is closed"));
        }
        return done;
    }

    @Override
    public byte[] headers(QueueEntry entry, int max) throws IOException {
        return files.headers(entry, max);
    }

    @Override
    public CompletableFuture<List<OperatorRequest>> takeRequests() {
        CompletableFuture<List<OperatorRequest>> done = new CompletableFuture<>();
        try {
            store.execute(() -> {
                try {
                    done.complete(control.take());
                } catch (RuntimeException e) {
                    done.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException e) {
            done.completeExceptionally(new IOException("queue is closed"));
        }
        return done;
    }

    /** The bytes to send: prepended fields, then the received bytes, streamed from disk for every attempt. */
    @Override
    public MessageContent content(QueueEntry entry) {
        return files.content(entry);
    }

    /** Stops the commit thread (after the batch in progress) and releases the directory lock. */
    @Override
    public void close() throws IOException {
        store.shutdown();
        try {
            store.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        group.close();
        lock.close();
    }
}
