package works.cast.relay.server.queue;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import works.cast.relay.server.intake.AcceptedMessage;
import works.cast.relay.server.intake.MessageCommitter;
import works.cast.relay.server.smtp.Reply;

class FileMessageQueueTest {

    private static final Instant T0 = Instant.parse("2026-11-28T04:30:00Z");

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(T0);
    private final TestGuard guard = new TestGuard();
    private FileMessageQueue queue;

    private FileMessageQueue open() throws IOException {
        queue = new FileMessageQueue(dir, clock, guard);
        return queue;
    }

    @AfterEach
    void close() throws IOException {
        guard.holdDirectoryFsync.countDown();
        if (queue != null) {
            queue.close();
        }
    }

    @Test
    void commitCompletesOnlyAfterTheDirectoryFsync() throws Exception {
        open();
        guard.holdDirectoryFsync = new CountDownLatch(1);
        AcceptedMessage m = TestMessages.spool(queue, "billing@cast.works", List.of("a@example.net"), T0);
        CompletableFuture<Reply> reply = queue.commit(m, queue.spoolFile(m.id())).toCompletableFuture();
        assertTrue(guard.fsyncEntered.await(30, TimeUnit.SECONDS));
        assertFalse(reply.isDone(), "250 before the directory fsync");
        assertTrue(Files.exists(dir.resolve(m.id() + ".meta")));
        assertTrue(Files.exists(dir.resolve(m.id() + ".eml")));
        guard.holdDirectoryFsync.countDown();
        assertEquals(MessageCommitter.queued(m.id()), reply.get(30, TimeUnit.SECONDS));

        assertEquals(List.of(), TestMessages.names(queue.spoolDirectory()));
        assertEquals(List.of(m.id() + ".eml", m.id() + ".meta", "control", "incoming", "spare"), TestMessages.names(dir));
        assertEquals(2, guard.fileFsyncs.get(), ".eml and .meta.tmp are fsynced");
        QueueEntry e = queue.load(m.id()).orElseThrow();
        assertEquals("billing@cast.works", e.reversePath());
        assertEquals(List.of(RecipientStatus.pending("a@example.net", T0)), e.recipients());
        assertArrayEquals(TestMessages.PREPEND.getBytes(StandardCharsets.US_ASCII), e.prepend());
        assertEquals(Optional.of("billing"), e.authUser());
        assertEquals(TestMessages.BODY.length(), e.size());
    }

    @Test
    void oneDirectoryFsyncServesEveryCommitWaitingForIt() throws Exception {
        open();
        guard.holdDirectoryFsync = new CountDownLatch(1);
        AcceptedMessage first = TestMessages.spool(queue, "a@cast.works", List.of("x@example.net"), T0);
        List<CompletableFuture<Reply>> replies = new ArrayList<>();
        replies.add(queue.commit(first, queue.spoolFile(first.id())).toCompletableFuture());
        assertTrue(guard.fsyncEntered.await(30, TimeUnit.SECONDS));
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            AcceptedMessage m = TestMessages.spool(queue, "a@cast.works", List.of("x@example.net"), T0);
            CompletableFuture<Reply> r = new CompletableFuture<>();
            replies.add(r);
            Thread t = new Thread(() -> queue.commit(m, queue.spoolFile(m.id())).whenComplete((v, f) -> {
                if (f != null) {
                    r.completeExceptionally(f);
                } else {
                    r.complete(v);
                }
            }));
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        guard.holdDirectoryFsync.countDown();
        for (CompletableFuture<Reply> r : replies) {
            assertEquals(250, r.get(30, TimeUnit.SECONDS).code());
        }
        assertEquals(2, guard.directoryFsyncs.get(), "11 commits, one held batch and one shared batch");
        assertEquals(22, guard.fileFsyncs.get());
    }

    @Test
    void fullDiskFailsTheCommitAndLeavesNothing() throws Exception {
        open();
        guard.diskFull = true;
        AcceptedMessage m = TestMessages.spool(queue, "billing@cast.works", List.of("a@example.net"), T0);
        CompletableFuture<Reply> reply = queue.commit(m, queue.spoolFile(m.id())).toCompletableFuture();
        ExecutionException e = assertThrows(ExecutionException.class, () -> reply.get(30, TimeUnit.SECONDS));
        assertInstanceOf(IOException.class, e.getCause());
        assertEquals("No space left on device", e.getCause().getMessage());
        assertEquals(List.of("control", "incoming", "spare"), TestMessages.names(dir));
        assertEquals(List.of(), TestMessages.names(queue.spoolDirectory()));
        assertTrue(queue.recover().isEmpty());
    }

    @Test
    void failedDirectoryFsyncRollsBackTheWholeBatch() throws Exception {
        open();
        guard.directoryFsyncFails = true;
        AcceptedMessage m = TestMessages.spool(queue, "billing@cast.works", List.of("a@example.net"), T0);
        CompletableFuture<Reply> reply = queue.commit(m, queue.spoolFile(m.id())).toCompletableFuture();
        assertThrows(ExecutionException.class, () -> reply.get(30, TimeUnit.SECONDS));
        assertEquals(List.of("control", "incoming", "spare"), TestMessages.names(dir));
    }

    @Test
    void fullDiskFailsAQueuedReport() throws Exception {
        open();
        guard.diskFull = true;
        CompletableFuture<QueueEntry> f = queue.enqueue("", List.of("billing@cast.works"),
                "Subject: x\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII)).toCompletableFuture();
        assertThrows(ExecutionException.class, () -> f.get(30, TimeUnit.SECONDS));
        assertEquals(List.of(), TestMessages.names(queue.spoolDirectory()));
        assertEquals(List.of("control", "incoming", "spare"), TestMessages.names(dir));
    }

    @Test
    void recoveryKeepsCommittedMessagesOnly() throws Exception {
        open();
        QueueEntry kept = TestMessages.commit(queue, "billing@cast.works", List.of("a@example.net"), T0);
        QueueEntry noEml = TestMessages.commit(queue, "billing@cast.works", List.of("a@example.net"), T0);
        QueueEntry unreadable = TestMessages.commit(queue, "billing@cast.works", List.of("a@example.net"), T0);
        queue.close();
        queue = null;
        // The states a crash can leave, one message each.
        String inData = QueueId.next().value();
        Files.writeString(dir.resolve("incoming").resolve(inData + ".eml"), "partial");
        String movedOnly = QueueId.next().value();
        Files.writeString(dir.resolve(movedOnly + ".eml"), TestMessages.BODY);
        String tmpOnly = QueueId.next().value();
        Files.writeString(dir.resolve(tmpOnly + ".eml"), TestMessages.BODY);
        Files.writeString(dir.resolve(tmpOnly + ".meta.tmp"), "dkim-relay-queue 1\nid ");
        Files.delete(dir.resolve(noEml.id() + ".eml"));
        Files.writeString(dir.resolve(unreadable.id() + ".meta"), "dkim-relay-queue 1\nid " + unreadable.id());

        open();
        List<QueueEntry> recovered = queue.recover();
        assertEquals(List.of(kept.id()), recovered.stream().map(QueueEntry::id).toList());
        assertEquals(kept.recipients(), recovered.get(0).recipients());
        assertEquals(List.of(kept.id() + ".eml", kept.id() + ".meta", "control", "corrupt", "incoming", "spare"),
                TestMessages.names(dir));
        assertEquals(List.of(), TestMessages.names(dir.resolve("incoming")));
        assertEquals(List.of(noEml.id() + ".meta", unreadable.id() + ".eml", unreadable.id() + ".meta"),
                TestMessages.names(dir.resolve("corrupt")));
    }

    @Test
    void recoveryFinishesAMoveOutOfIncoming() throws Exception {
        open();
        QueueEntry e = TestMessages.commit(queue, "billing@cast.works", List.of("a@example.net"), T0);
        queue.close();
        queue = null;
        Files.move(dir.resolve(e.id() + ".eml"), dir.resolve("incoming").resolve(e.id() + ".eml"));
        open();
        assertEquals(List.of(e.id()), queue.recover().stream().map(QueueEntry::id).toList());
        assertTrue(Files.exists(dir.resolve(e.id() + ".eml")));
    }

    @Test
    void anOpenQueueShowsAsARunningRelay() throws Exception {
        open();
        assertTrue(new QueueControl(dir).relayRunning());
    }

    @Test
    void contentStreamsThePrependedFieldsThenTheReceivedBytes() throws Exception {
        open();
        QueueEntry e = TestMessages.commit(queue, "billing@cast.works", List.of("a@example.net"), T0);
        StringBuilder sb = new StringBuilder();
        try (ReadableByteChannel ch = queue.content(e).open()) {
            ByteBuffer b = ByteBuffer.allocate(5);
            while (ch.read(b) >= 0) {
                b.flip();
                sb.append(StandardCharsets.US_ASCII.decode(b));
                b.clear();
            }
        }
        assertEquals(TestMessages.PREPEND + TestMessages.BODY, sb.toString());
        assertEquals(sb.length(), e.totalSize());
        assertEquals(TestMessages.PREPEND + "From: billing@cast.works\r\nTo: a@example.net\r\nSubject: Invoice\r\n",
                new String(queue.files().headers(e, 1 << 16), StandardCharsets.US_ASCII));
    }
}
