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
import works.cast.relay.server.message.QueueId;
import works.cast.relay.server.message.Reply;
import works.cast.relay.server.smtp.IntakeFailure;
import works.cast.relay.server.smtp.MessageSink;
import works.cast.relay.server.smtp.Replies;
import works.cast.relay.server.smtp.SessionInfo;

/**
 * One message arriving over DATA. Chunks are handed from the event loop to an I/O thread, where each is written to
 * the spool file and fed to the body hasher in the same pass; the event loop never touches the disk. When more than
 * {@link #HIGH_WATER} bytes wait, or when all sessions together hold more than the {@link IntakeMemory} budget, the
 * reader pauses until the writer catches up. Bytes count against the budget from the event loop until they are on
 * disk. The header block, held until the message is signed and committed, is reserved at its full limit when the
 * message opens and settled to its real size once it is complete; pausing never waits on a header, which only
 * reading can finish.
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
    private final AtomicBoolean waitingForRoom = new AtomicBoolean();
    private final IntakeMemory memory;

    // Touched only by tasks on the serial executor.
    private final MessageHasher hasher;
    private final byte[] scratch = new byte[64 * 1024];
    private FileChannel spool;
    private IOException ioFailure;
    private RuntimeException hashFailure;
    private boolean headerTooLarge;
    private long size;
    private long headerCharged;
    private boolean headerSettled;

    IncomingMessage(QueueId id, SessionInfo session, Envelope envelope, Runnable resumeReading, SerialExecutor io,
                    MessageHasher hasher, MessageCommitter committer, MessageFinisher finisher, IntakeMemory memory) {
        this.id = id;
        this.memory = memory;
        this.headerCharged = hasher.maxHeaderBytes(); // reserved by the receiver's admit
        this.session = session;
        this.envelope = envelope;
        this.resumeReading = resumeReading;
        this.io = io;
        this.hasher = hasher;
        this.committer = committer;
        this.spoolFile = committer.newSpoolFile(id);
        this.finisher = finisher;
        io.execute(this::open);
    }

    private void open() {
        try {
            spool = committer.openSpool(spoolFile);
        } catch (IOException e) {
            ioFailure = e;
        }
    }

    @Override
    public boolean write(ByteBuf content) {
        int n = content.readableBytes();
        long waiting = pending.addAndGet(n);
        boolean room = memory.buffer(n);
        io.execute(() -> {
            try {
                append(content);
            } finally {
                content.release();
                memory.drained(n);
                settleHeader();
                pending.addAndGet(-n);
                if (paused.get() && unpause()) {
                    resumeReading.run();
                }
            }
        });
        if (waiting <= HIGH_WATER && room) {
            return true;
        }
        paused.set(true);
        // The writer may have drained everything before the flag was set: then do not pause at all.
        return unpause();
    }

    /** Once the header block is complete, gives back the part of its reservation it did not need. */
    private void settleHeader() {
        if (!headerSettled && (hasher.headerComplete() || headerTooLarge)) {
            headerSettled = true;
            long held = hasher.headerBytes();
            memory.unreserve(headerCharged - held);
            headerCharged = held;
        }
    }

    /** Clears the pause when both this message's backlog and the shared budget allow; true when this call did. */
    private boolean unpause() {
        if (pending.get() >= LOW_WATER) {
            return false; // the writer's next completed chunk asks again
        }
        if (!memory.canBuffer()) {
            if (waitingForRoom.compareAndSet(false, true)) {
                memory.whenCanBuffer(() -> {
                    waitingForRoom.set(false);
                    if (paused.get() && unpause()) {
                        resumeReading.run();
                    }
                });
            }
            return false;
        }
        return paused.compareAndSet(true, false);
    }

    /** Once no more bytes can arrive: the header block's reservation, or what it holds, goes back. */
    private void releaseHeader() {
        memory.unreserve(headerCharged);
        headerCharged = 0;
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
        if (!headerTooLarge && hashFailure == null) {
            try {
                hasher.update(b, off, n);
            } catch (HeaderTooLargeException e) {
                headerTooLarge = true;
            } catch (RuntimeException e) {
                // A chunk missing from the body hash would give a signature that fails everywhere: refuse instead.
                hashFailure = e;
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
                // The header memory goes back before the client hears the reply, so that a client that sends
                // its next DATA at once finds the room this message held. Called on the completing thread: every
                // write of headerCharged happened on the I/O thread before complete() handed the message on.
                complete().whenComplete((r, failure) -> {
                    releaseHeader();
                    if (failure != null) {
                        log.error("intake failed id={} session={}", id, session.sessionId(), failure);
                        reply.complete(Replies.localError());
                    } else {
                        reply.complete(r);
                    }
                });
            } catch (RuntimeException e) {
                log.error("intake failed id={} session={}", id, session.sessionId(), e);
                releaseHeader();
                deleteSpool();
                reply.complete(Replies.localError());
            }
        });
        return reply;
    }

    private CompletionStage<Reply> complete() {
        closeSpool();
        if (ioFailure != null) {
            log.error("spool write failed id={} session={} file={} error={}", id, session.sessionId(), spoolFile,
                    ioFailure.toString());
            deleteSpool();
            committer.storageFull();
            return CompletableFuture.completedFuture(Replies.refusal(new IntakeFailure.StorageFull()));
        }
        if (hashFailure != null) {
            log.error("body hash failed id={} session={}", id, session.sessionId(), hashFailure);
            deleteSpool();
            return CompletableFuture.completedFuture(Replies.localError());
        }
        if (headerTooLarge) {
            deleteSpool();
            return CompletableFuture.completedFuture(Replies.refusal(new IntakeFailure.HeaderTooLarge()));
        }
        return finisher.finish(new ReceivedMessage(id, session, envelope, hasher.finish(), size), spoolFile);
    }

    @Override
    public void abort(String reason) {
        if (done.compareAndSet(false, true)) {
            io.execute(() -> {
                releaseHeader();
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
