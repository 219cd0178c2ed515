package works.cast.relay.server.intake;

import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import works.cast.relay.core.dkim.MessageHasher;
import works.cast.relay.core.mail.Envelope;
import works.cast.relay.core.mail.HeaderTooLargeException;
import works.cast.relay.server.queue.QueueId;
import works.cast.relay.server.smtp.MessageSink;
import works.cast.relay.server.smtp.Reply;
import works.cast.relay.server.smtp.SessionInfo;

/**
 * One message arriving over DATA. Chunks are handed from the event loop to an I/O thread, where each is written to
 * the spool file and fed to the body hasher in the same pass; the event loop never touches the disk. When more than
 * {@link #HIGH_WATER} bytes wait, the reader pauses until the writer catches up.
 */
final class IncomingMessage implements MessageSink {

    private static final Logger log = LoggerFactory.getLogger(IncomingMessage.class);

    static final long HIGH_WATER = 1 << 20;
    static final long LOW_WATER = 256 << 10;

    private final QueueId id;
    private final SessionInfo session;
    private final Envelope envelope;
    private final Runnable resumeReading;
    private final SerialExecutor io;
    private final MessageFinisher finisher;
    private final MessageCommitter committer;
    private final Path spoolFile;
    private final AtomicLong pending = new AtomicLong();
    private final AtomicBoolean paused = new AtomicBoolean();
    private final AtomicBoolean done = new AtomicBoolean();

    // Touched only by tasks on the serial executor.
    private final MessageHasher hasher;
    private final byte[] scratch = new byte[64 * 1024];
    private FileChannel spool;
    private IOException ioFailure;
    private boolean headerTooLarge;
    private long size;

    IncomingMessage(QueueId id, SessionInfo session, Envelope envelope, Runnable resumeReading, SerialExecutor io,
                    MessageHasher hasher, MessageCommitter committer, MessageFinisher finisher) {
        this.id = id;
        this.session = session;
        this.envelope = envelope;
        this.resumeReading = resumeReading;
        this.io = io;
        this.hasher = hasher;
        this.committer = committer;
        this.spoolFile = committer.spoolFile(id);
        this.finisher = finisher;
        io.execute(this::open);
    }

    private void open() {
        try {
            spool = committer.openSpool(id);
        } catch (IOException e) {
            ioFailure = e;
        }
    }

    @Override
    public boolean write(ByteBuf content) {
        int n = content.readableBytes();
        long waiting = pending.addAndGet(n);
        io.execute(() -> {
            try {
                append(content);
            } finally {
                content.release();
                long left = pending.addAndGet(-n);
                if (left < LOW_WATER && paused.compareAndSet(true, false)) {
                    resumeReading.run();
                }
            }
        });
        if (waiting <= HIGH_WATER) {
            return true;
        }
        paused.set(true);
        // The writer may have drained everything before the flag was set: then do not pause at all.
        return pending.get() < LOW_WATER && paused.compareAndSet(true, false);
    }

    private void append(ByteBuf content) {
        if (content.hasArray()) { // the decoder's heap buffers: no copy
            int n = content.readableBytes();
            consume(content.array(), content.arrayOffset() + content.readerIndex(), n);
            content.skipBytes(n);
            return;
        }
        while (content.isReadable()) {
            int n = Math.min(content.readableBytes(), scratch.length);
            content.readBytes(scratch, 0, n);
            consume(scratch, 0, n);
        }
    }

    /** Writes the bytes to the spool file and hashes them, in one pass over them. */
    private void consume(byte[] b, int off, int n) {
        size += n;
        if (ioFailure == null) {
            try {
                ByteBuffer buf = ByteBuffer.wrap(b, off, n);
                while (buf.hasRemaining()) {
                    spool.write(buf);
                }
            } catch (IOException e) {
                ioFailure = e;
            }
        }
        if (!headerTooLarge) {
            try {
                hasher.update(b, off, n);
            } catch (HeaderTooLargeException e) {
                headerTooLarge = true;
            }
        }
    }

    @Override
    public CompletionStage<Reply> finish() {
        CompletableFuture<Reply> reply = new CompletableFuture<>();
        if (!done.compareAndSet(false, true)) {
            reply.completeExceptionally(new IllegalStateException("message " + id + " already ended"));
            return reply;
        }
        io.execute(() -> {
            try {
                complete().whenComplete((r, failure) -> {
                    if (failure != null) {
                        log.error("intake failed id={} session={}", id, session.sessionId(), failure);
                        reply.complete(LOCAL_ERROR);
                    } else {
                        reply.complete(r);
                    }
                });
            } catch (RuntimeException e) {
                log.error("intake failed id={} session={}", id, session.sessionId(), e);
                deleteSpool();
                reply.complete(LOCAL_ERROR);
            }
        });
        return reply;
    }

    private static final Reply LOCAL_ERROR = new Reply(451, "4.3.0", "Local error in processing; try again later");

    private CompletionStage<Reply> complete() {
        closeSpool();
        if (ioFailure != null) {
            log.error("spool write failed id={} session={} file={} error={}", id, session.sessionId(), spoolFile,
                    ioFailure.toString());
            deleteSpool();
            committer.storageFull();
            return CompletableFuture.completedFuture(new Reply(452, "4.3.1", "Insufficient system storage; try again later"));
        }
        if (headerTooLarge) {
            deleteSpool();
            return CompletableFuture.completedFuture(new Reply(552, "5.3.4", "Message header block too large"));
        }
        return finisher.finish(new ReceivedMessage(id, session, envelope, hasher.finish(), size), spoolFile);
    }

    @Override
    public void abort(String reason) {
        if (done.compareAndSet(false, true)) {
            io.execute(() -> {
                closeSpool();
                deleteSpool();
                log.debug("message discarded id={} session={} reason={}", id, session.sessionId(), reason);
            });
        }
    }

    private void closeSpool() {
        if (spool != null) {
            try {
                if (ioFailure == null) {
                    spool.truncate(size); // a reused file may be longer than this message
                }
                spool.close();
            } catch (IOException e) {
                if (ioFailure == null) {
                    ioFailure = e;
                }
            }
            spool = null;
        }
    }

    private void deleteSpool() {
        try {
            Files.deleteIfExists(spoolFile);
        } catch (IOException e) {
            log.warn("cannot delete spool file {}: {}", spoolFile, e.toString());
        }
    }
}
