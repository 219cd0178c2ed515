package works.cast.relay.server.queue;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import works.cast.relay.server.message.QueueEntry;
import works.cast.relay.server.message.RecipientStatus;
import works.cast.relay.server.message.TestMessages;

class SpareFilesTest {

    @TempDir
    Path dir;

    private static Object inode(Path p) throws IOException {
        return Files.getAttribute(p, "unix:ino");
    }

    private static void write(FileChannel ch, byte[] b) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(b);
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
        ch.truncate(b.length);
    }

    @Test
    void aRemovedFileIsReusedAndCutToItsNewContent() throws IOException {
        SpareFiles spares = new SpareFiles(dir.resolve("spare"));
        Path old = dir.resolve("old.eml");
        Files.write(old, "a long message, longer than the next one\r\n".getBytes(StandardCharsets.US_ASCII));
        Object ino = inode(old);
        spares.recycle(old);
        assertFalse(Files.exists(old));
        assertEquals(1, spares.size());

        Path next = dir.resolve("next.eml");
        try (FileChannel ch = spares.create(next)) {
            write(ch, "short\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        assertEquals(ino, inode(next), "the same inode, renamed");
        assertEquals("short\r\n", Files.readString(next));
        assertEquals(0, spares.size());
        assertEquals(List.of(), TestMessages.names(dir.resolve("spare")));

        Path fresh = dir.resolve("fresh.eml"); // the pool is empty: a new file
        try (FileChannel ch = spares.create(fresh)) {
            write(ch, "new\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        assertEquals("new\r\n", Files.readString(fresh));
        spares.recycle(dir.resolve("missing.eml")); // already gone: nothing to do
        assertEquals(0, spares.size());
    }

    @Test
    void largeFilesAndFilesBeyondTheBoundAreUnlinked() throws IOException {
        SpareFiles spares = new SpareFiles(dir.resolve("spare"));
        Path large = dir.resolve("large.eml");
        Files.write(large, new byte[(int) SpareFiles.MAX_FILE_BYTES + 1]);
        spares.recycle(large);
        assertFalse(Files.exists(large));
        assertEquals(0, spares.size());

        for (int i = 0; i < SpareFiles.MAX_FILES + 5; i++) {
            Path f = dir.resolve(i + ".meta");
            Files.write(f, new byte[10]);
            spares.recycle(f);
        }
        assertEquals(SpareFiles.MAX_FILES, spares.size());
        assertEquals(SpareFiles.MAX_FILES, TestMessages.names(dir.resolve("spare")).size());
        assertTrue(TestMessages.names(dir).stream().noneMatch(n -> n.endsWith(".meta")));

        spares.release(); // a full disk: every spare file goes
        assertEquals(0, spares.size());
        assertEquals(List.of(), TestMessages.names(dir.resolve("spare")));
    }

    @Test
    void aRestartAdoptsTheSpareFilesAndRemovesStrangers() throws IOException {
        Path spareDir = dir.resolve("spare");
        SpareFiles first = new SpareFiles(spareDir);
        for (int i = 0; i < 3; i++) {
            Path f = dir.resolve(i + ".eml");
            Files.write(f, new byte[100]);
            first.recycle(f);
        }
        Files.write(spareDir.resolve("not-a-spare"), new byte[1]);
        Files.write(Files.createDirectories(spareDir.resolve("7")).resolve("x"), new byte[1]); // cannot be removed
        SpareFiles second = new SpareFiles(spareDir);
        assertEquals(3, second.size());
        assertEquals(List.of("0", "1", "2", "7"), TestMessages.names(spareDir));
        Path f = dir.resolve("x.eml");
        Files.write(f, new byte[5]);
        second.recycle(f);
        assertEquals(List.of("0", "1", "2", "7", "8"), TestMessages.names(spareDir),
                "numbering goes on after every name on disk");
    }

    @Test
    void queuedMessagesInReusedFilesAreExactlyTheirOwnBytes() throws Exception {
        Instant t0 = Instant.parse("2026-11-28T04:30:00Z");
        try (FileMessageQueue queue = new FileMessageQueue(dir, new MutableClock(t0), new TestGuard())) {
            List<QueueEntry> first = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                byte[] big = new byte[3000 + i];
                Arrays.fill(big, (byte) 'x');
                first.add(queue.enqueue("a@cast.works", List.of("b@example.net"), big).toCompletableFuture().get());
            }
            for (QueueEntry e : first) {
                queue.remove(e.id());
            }
            assertTrue(queue.files().spareCount() >= 5, "the five .msg files (and spool files) kept for reuse");
            for (int i = 0; i < 5; i++) {
                byte[] small = ("Subject: " + i + "\r\n\r\nshort\r\n").getBytes(StandardCharsets.US_ASCII);
                QueueEntry e = queue.enqueue("c@cast.works", List.of("d" + i + "@example.net"), small)
                        .toCompletableFuture().get();
                QueueEntry back = queue.files().read(e.id(), true);
                try (var in = queue.files().received(back)) {
                    assertArrayEquals(small, in.readAllBytes());
                }
                assertEquals("c@cast.works", back.reversePath());
                assertEquals(List.of("d" + i + "@example.net"), back.recipients().stream()
                        .map(RecipientStatus::address).toList());
            }
        }
    }

    @Test
    void aRemovedMessageFileIsReusedOnlyAfterADirectoryFsyncCoversTheRemoval() throws Exception {
        long[] next = {1};
        long[] durable = {0};
        SpareFiles spares = new SpareFiles(dir.resolve("spare"), generations(next, durable));
        Path removed = dir.resolve("01M8G7AXBZG4C5YF.msg");
        Files.write(removed, new byte[100]);
        Object ino = inode(removed);
        spares.recycle(removed); // needs fsync 1, which has not completed
        next[0] = 2; // fsync 1 starts
        Path first = dir.resolve("a.tmp");
        try (FileChannel ch = spares.create(first)) {
            write(ch, new byte[1]);
        }
        assertTrue(!ino.equals(inode(first)), "a new file while the removal may not be durable");
        assertEquals(1, spares.size());
        durable[0] = 1; // fsync 1 completed
        Path second = dir.resolve("b.tmp");
        try (FileChannel ch = spares.create(second)) {
            write(ch, new byte[1]);
        }
        assertEquals(ino, inode(second), "reused once the fsync covering the removal is done");
    }

    @Test
    void aMessageWrittenInALongerSpareFileHoldsExactlyItsOwnBytes() throws Exception {
        Instant t0 = Instant.parse("2026-11-28T04:30:00Z");
        try (FileMessageQueue queue = new FileMessageQueue(dir, new MutableClock(t0), new TestGuard())) {
            QueueEntry old = queue.enqueue("a@cast.works", List.of("b@example.net"), new byte[2000])
                    .toCompletableFuture().get();
            queue.remove(old.id());
            queue.enqueue("a@cast.works", List.of("b@example.net"), new byte[10]).toCompletableFuture().get();
            java.util.Set<Object> spareInodes = new java.util.HashSet<>();
            try (var files = Files.list(dir.resolve("spare"))) {
                for (Path f : files.toList()) {
                    spareInodes.add(inode(f));
                }
            }
            assertTrue(!spareInodes.isEmpty(), "the removed message's files are spare files now");
            QueueEntry next = queue.enqueue("c@cast.works", List.of("d@example.net"),
                    "Subject: new\r\n\r\nnew\r\n".getBytes(StandardCharsets.US_ASCII)).toCompletableFuture().get();
            assertTrue(spareInodes.contains(inode(queue.files().msg(next.id()))),
                    "the new message file is a former spare file");
            try (var in = queue.files().received(queue.files().read(next.id(), true))) {
                assertArrayEquals("Subject: new\r\n\r\nnew\r\n".getBytes(StandardCharsets.US_ASCII), in.readAllBytes());
            }
        }
    }

    @Test
    void aSpareFileIsTakenForWritingOnlyAfterTheFsyncCoveringItsRemoval() throws Exception {
        long[] next = {1};
        long[] durable = {0};
        SpareFiles spares = new SpareFiles(dir.resolve("spare"), generations(next, durable));
        Path removed = dir.resolve("01M8G7AXBZG4C5YF.msg");
        Files.write(removed, new byte[100]);
        Object ino = inode(removed);
        spares.recycle(removed);
        assertEquals(null, spares.takeForWrite(), "not while the removal may not be durable");
        durable[0] = 1;
        Path taken = spares.takeForWrite();
        assertEquals(ino, inode(taken));
        assertEquals(dir.resolve("spare"), taken.getParent(), "written where it lies, in spare/");
        assertEquals(0, spares.size());
    }

    /** Generations read from the arrays, which a test moves by hand. */
    private static SpareFiles.Generations generations(long[] next, long[] durable) {
        return new SpareFiles.Generations() {
            @Override
            public long next() {
                return next[0];
            }

            @Override
            public long durable() {
                return durable[0];
            }
        };
    }
}
