package works.cast.relay.server.queue;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import works.cast.relay.core.mail.Envelope;
import works.cast.relay.server.message.AcceptedMessage;
import works.cast.relay.server.message.QueueEntry;
import works.cast.relay.server.message.QueueId;
import works.cast.relay.server.message.TestMessages;

class SpoolSlotsTest {

    @TempDir
    Path dir;

    private static Object inode(Path p) throws Exception {
        return Files.getAttribute(p, "unix:ino");
    }

    @Test
    void aGivenBackSpoolFileIsTheNextOneTaken() throws Exception {
        SpoolSlots slots = new SpoolSlots(dir);
        Path first = slots.take();
        Path second = slots.take();
        assertNotEquals(first, second);
        assertTrue(SpoolSlots.isSlot(first));
        slots.giveBack(first); // never written: nothing to keep
        assertEquals(0, slots.freeCount());
        Files.write(first, new byte[100]);
        slots.giveBack(first);
        assertEquals(1, slots.freeCount());
        assertEquals(first, slots.take());
        assertEquals(0, slots.freeCount());
    }

    @Test
    void largeFilesAndFilesBeyondTheBoundAreUnlinked() throws Exception {
        SpoolSlots slots = new SpoolSlots(dir);
        Path large = slots.take();
        Files.write(large, new byte[(int) SpoolSlots.MAX_FILE_BYTES + 1]);
        slots.giveBack(large);
        assertFalse(Files.exists(large));
        for (int i = 0; i < SpoolSlots.MAX_FREE + 5; i++) {
            Path p = dir.resolve(SpoolSlots.PREFIX + (1000 + i));
            Files.write(p, new byte[10]);
            slots.giveBack(p);
        }
        assertEquals(SpoolSlots.MAX_FREE, slots.freeCount());
        assertEquals(SpoolSlots.MAX_FREE, TestMessages.names(dir).size());
        slots.release(); // a full disk: every free spool file goes
        assertEquals(0, slots.freeCount());
        assertEquals(List.of(), TestMessages.names(dir));
    }

    @Test
    void aRestartTakesTheLeftSpoolFilesAsFreeAndNumbersNewOnesAfterThem() throws Exception {
        Files.write(dir.resolve("spool-7"), new byte[10]);
        Files.write(dir.resolve("spool-3"), new byte[10]);
        Files.write(dir.resolve("spool-x"), new byte[10]);
        SpoolSlots slots = new SpoolSlots(dir);
        assertEquals(2, slots.freeCount());
        assertTrue(List.of(dir.resolve("spool-7"), dir.resolve("spool-3")).contains(slots.take()));
        assertTrue(List.of(dir.resolve("spool-7"), dir.resolve("spool-3")).contains(slots.take()));
        assertEquals(dir.resolve("spool-8"), slots.take());
        assertFalse(SpoolSlots.isSlot(dir.resolve("spool-x")));
        assertFalse(SpoolSlots.isSlot(dir.resolve("01M8G7AXBZG4C5YF.eml")));
    }

    @Test
    void theQueueReusesACommittedMessagesSpoolFileWithoutRenamingIt() throws Exception {
        Instant t0 = Instant.parse("2026-11-28T04:30:00Z");
        try (FileMessageQueue queue = new FileMessageQueue(dir, new MutableClock(t0), new TestGuard())) {
            Path spool = queue.newSpoolFile(QueueId.next());
            assertEquals(dir.resolve("incoming"), spool.getParent());
            byte[] longer = ("Subject: first\r\n\r\n" + "x".repeat(3000) + "\r\n").getBytes(StandardCharsets.US_ASCII);
            try (var ch = queue.openSpool(spool)) {
                ch.write(java.nio.ByteBuffer.wrap(longer));
            }
            Object ino = inode(spool);
            AcceptedMessage m = new AcceptedMessage(QueueId.next(), new Envelope("a@cast.works",
                    List.of("b@example.net"), false, false), new byte[0], t0, "10.0.0.5", Optional.empty(),
                    Optional.of("cast.works"), List.of(), longer.length);
            QueueEntry first = queue.commit(m, spool).toCompletableFuture().get();
            assertTrue(Files.exists(spool), "the spool file stays where it is, free for the next message");
            Path next = queue.newSpoolFile(QueueId.next());
            assertEquals(spool, next);
            assertEquals(ino, inode(next), "the same file, not a renamed spare");
            try (var in = queue.files().received(queue.files().read(first.id(), true))) {
                assertArrayEquals(longer, in.readAllBytes(), "the committed copy is the message's own bytes");
            }
            byte[] shorter = "Subject: second\r\n\r\nshort\r\n".getBytes(StandardCharsets.US_ASCII);
            QueueEntry second = queue.enqueue("a@cast.works", List.of("b@example.net"), shorter)
                    .toCompletableFuture().get();
            try (var in = queue.files().received(queue.files().read(second.id(), true))) {
                assertArrayEquals(shorter, in.readAllBytes(), "a reused spool file is cut to the new message");
            }
        }
        try (FileMessageQueue again = new FileMessageQueue(dir, new MutableClock(t0), new TestGuard())) {
            assertEquals(2, again.recover().size());
            assertTrue(TestMessages.names(dir.resolve("incoming")).stream().allMatch(n -> n.startsWith("spool-")),
                    "recovery keeps the spool files for reuse");
        }
    }
}
