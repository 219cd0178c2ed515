package works.cast.relay.server.queue;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
import works.cast.relay.server.message.AcceptedMessage;
import works.cast.relay.server.message.IndexEntry;
import works.cast.relay.server.message.QueueEntry;
import works.cast.relay.server.message.QueueId;
import works.cast.relay.server.message.RecipientState;
import works.cast.relay.server.message.RecipientStatus;
import works.cast.relay.server.message.Reply;
import works.cast.relay.server.message.TestMessages;

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
        guard.holdFileFsync.countDown();
        if (queue != null) {
            queue.close();
        }
    }

    @Test
    void commitCompletesOnlyAfterTheDirectoryFsync() throws Exception {
        open();
        guard.holdDirectoryFsync = new CountDownLatch(1);
        AcceptedMessage m = TestMessages.spool(queue, "billing@cast.works", List.of("a@example.net"), T0);
        CompletableFuture<QueueEntry> reply = queue.commit(m, queue.spoolFile(m.id())).toCompletableFuture();
        assertTrue(guard.fsyncEntered.await(30, TimeUnit.SECONDS));
        assertFalse(reply.isDone(), "250 before the directory fsync");
        assertTrue(Files.exists(dir.resolve(m.id() + ".msg")), "renamed into place before the directory fsync");
        guard.holdDirectoryFsync.countDown();
        assertEquals(m.id(), reply.get(30, TimeUnit.SECONDS).id());

        assertEquals(List.of(), TestMessages.names(queue.spoolDirectory()));
        assertEquals(List.of(m.id() + ".msg", "control", "incoming", "spare"), TestMessages.names(dir));
        assertEquals(1, guard.fileFsyncs.get(), "one file per message, fsynced once");
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
        List<CompletableFuture<QueueEntry>> replies = new ArrayList<>();
        replies.add(queue.commit(first, queue.spoolFile(first.id())).toCompletableFuture());
        assertTrue(guard.fsyncEntered.await(30, TimeUnit.SECONDS));
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            AcceptedMessage m = TestMessages.spool(queue, "a@cast.works", List.of("x@example.net"), T0);
            CompletableFuture<QueueEntry> r = new CompletableFuture<>();
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
        for (CompletableFuture<QueueEntry> r : replies) {
            assertFalse(r.get(30, TimeUnit.SECONDS).isFinal());
        }
        assertEquals(2, guard.directoryFsyncs.get(), "11 commits, one held batch and one shared batch");
        assertEquals(11, guard.fileFsyncs.get());
    }

    @Test
    void fullDiskFailsTheCommitAndLeavesNothing() throws Exception {
        open();
        guard.diskFull = true;
        AcceptedMessage m = TestMessages.spool(queue, "billing@cast.works", List.of("a@example.net"), T0);
        CompletableFuture<QueueEntry> reply = queue.commit(m, queue.spoolFile(m.id())).toCompletableFuture();
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
        CompletableFuture<QueueEntry> reply = queue.commit(m, queue.spoolFile(m.id())).toCompletableFuture();
        assertThrows(ExecutionException.class, () -> reply.get(30, TimeUnit.SECONDS));
        assertEquals(List.of("control", "incoming", "spare"), TestMessages.names(dir));
    }

    @Test
    void aQueuedReportIsWrittenOffTheCallersThread() throws Exception {
        open();
        guard.holdFileFsync = new CountDownLatch(1);
        // the delivery scheduler queues bounces: the call must return while the report's fsync is still pending
        CompletableFuture<QueueEntry> f = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> queue.enqueue("",
                List.of("billing@cast.works"), "Subject: x\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII))
                .toCompletableFuture());
        assertTrue(guard.fileFsyncEntered.await(30, TimeUnit.SECONDS));
        assertFalse(f.isDone(), "not committed before its fsync");
        guard.holdFileFsync.countDown();
        assertTrue(queue.contains(f.get(30, TimeUnit.SECONDS).id()));
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
        QueueEntry deferred = TestMessages.commit(queue, "billing@cast.works", List.of("a@example.net"), T0);
        QueueEntry deferredState = deferred.withRecipients(r -> r.attempted(RecipientState.PENDING,
                T0.plusSeconds(60), new Reply(451, "4.4.1", "Try again later"), "smarthost mail.example.net:587",
                Optional.of("mail.example.net")));
        queue.update(deferredState);
        queue.close();
        queue = null;
        // The states a crash can leave, one message each: none was answered 250.
        Files.writeString(dir.resolve("incoming").resolve(QueueId.next() + ".eml"), "partial");
        Files.writeString(dir.resolve(QueueId.next() + ".msg.tmp"), "dkim-relay-queue 2\nid ");
        Files.writeString(dir.resolve(kept.id() + ".state.tmp"), "dkim-relay-state 1\n");

        open();
        List<IndexEntry> recovered = queue.recover();
        assertEquals(java.util.stream.Stream.of(kept.id(), deferred.id()).sorted().toList(),
                recovered.stream().map(IndexEntry::id).toList(), "ids in order");
        assertEquals(T0.plusSeconds(60), recovered.stream().filter(i -> i.id().equals(deferred.id())).findFirst()
                .orElseThrow().due());
        assertEquals(deferredState.recipients(), queue.load(deferred.id()).orElseThrow().recipients());
        assertEquals(java.util.stream.Stream.of(kept.id() + ".msg", deferred.id() + ".msg", deferred.id() + ".state",
                "control", "incoming", "spare").sorted().toList(), TestMessages.names(dir));
        assertEquals(List.of(), TestMessages.names(dir.resolve("incoming")));
    }

    @Test
    void recoveryMovesDamagedFilesAsideOneLogLineEach() throws Exception {
        open();
        List<QueueEntry> all = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            all.add(TestMessages.commit(queue, "billing@cast.works", List.of("a@example.net"), T0));
        }
        QueueEntry withState = all.get(6);
        queue.update(withState.withRecipients(r -> r.attempted(RecipientState.PENDING, T0.plusSeconds(60),
                new Reply(451, "4.4.1", "Try again later"), "smarthost", Optional.empty())));
        queue.close();
        queue = null;
        Path truncated = dir.resolve(all.get(0).id() + ".msg");
        Files.write(truncated, java.util.Arrays.copyOf(Files.readAllBytes(truncated), (int) Files.size(truncated) - 7));
        Path extended = dir.resolve(all.get(1).id() + ".msg");
        Files.write(extended, "more\r\n".getBytes(StandardCharsets.US_ASCII), java.nio.file.StandardOpenOption.APPEND);
        flip(dir.resolve(all.get(2).id() + ".msg"), Files.size(dir.resolve(all.get(2).id() + ".msg")) / 2);
        QueueId stranger = QueueId.next();
        Files.move(dir.resolve(all.get(3).id() + ".msg"), dir.resolve(stranger + ".msg")); // id does not match its name
        Path state = dir.resolve(withState.id() + ".state");
        Path orphan = dir.resolve(QueueId.next() + ".state");
        Files.copy(state, orphan);
        flip(state, 30);

        open();
        List<QueueId> recovered = queue.recover().stream().map(IndexEntry::id).toList();
        assertEquals(java.util.stream.Stream.of(all.get(4).id(), all.get(5).id()).sorted().toList(), recovered);
        assertEquals(java.util.stream.Stream.of(all.get(0).id() + ".msg", all.get(1).id() + ".msg",
                        all.get(2).id() + ".msg", stranger + ".msg", withState.id() + ".msg", withState.id() + ".state",
                        orphan.getFileName().toString()).sorted().toList(),
                TestMessages.names(dir.resolve("corrupt")));
        for (QueueId id : recovered) {
            assertEquals(TestMessages.PREPEND + TestMessages.BODY, text(queue.load(id).orElseThrow()));
        }
    }

    @Test
    void everyByteOfAMessageFileIsChecked() throws Exception {
        open();
        QueueEntry e = TestMessages.commit(queue, "billing@cast.works", List.of("a@example.net"), T0);
        Path f = dir.resolve(e.id() + ".msg");
        byte[] good = Files.readAllBytes(f);
        for (int i = 0; i < good.length; i++) {
            byte[] bad = good.clone();
            bad[i] ^= 0x01;
            Files.write(f, bad);
            int at = i;
            assertThrows(IOException.class, () -> queue.files().read(e.id(), true), () -> "byte " + at);
        }
        Files.write(f, good);
        assertEquals(e.recipients(), queue.files().read(e.id(), true).recipients());
    }

    private static void flip(Path f, long at) throws IOException {
        byte[] b = Files.readAllBytes(f);
        b[(int) at] ^= 0x20;
        Files.write(f, b);
    }

    private String text(QueueEntry e) throws IOException {
        StringBuilder sb = new StringBuilder();
        try (ReadableByteChannel ch = queue.content(e).open()) {
            ByteBuffer b = ByteBuffer.allocate(5);
            while (ch.read(b) >= 0) {
                b.flip();
                sb.append(StandardCharsets.US_ASCII.decode(b));
                b.clear();
            }
        }
        return sb.toString();
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
