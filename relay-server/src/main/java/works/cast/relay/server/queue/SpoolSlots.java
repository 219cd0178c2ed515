package works.cast.relay.server.queue;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Spool files that are used again and again, {@code incoming/spool-<n>}: a message arriving is written into a free
 * one from offset 0 (the writer cuts it to what it wrote), and once its bytes are committed in its own message file
 * the spool file is free again, without a rename or an unlink. Spool files are never fsynced and never read at
 * start: after a crash or a stop the next run takes every {@code spool-*} file as free, whatever it holds.
 *
 * <p>At most {@link #MAX_FREE} free files are kept, none larger than {@link #MAX_FILE_BYTES}; others are unlinked.
 * A spool file that is not given back (a refused message, a failed commit) is removed by its user as before and
 * simply not reused. Thread-safe; taking a name does no I/O, so it may run on an event loop.
 */
final class SpoolSlots {

    private static final Logger log = LoggerFactory.getLogger(SpoolSlots.class);

    static final String PREFIX = "spool-";
    static final int MAX_FREE = 128;
    static final long MAX_FILE_BYTES = 256 * 1024;

    private final Path dir;
    private final ConcurrentLinkedDeque<Path> free = new ConcurrentLinkedDeque<>();
    private final AtomicInteger freeCount = new AtomicInteger();
    private final AtomicLong seq = new AtomicLong();

    /** Takes over the spool files a previous run left in {@code dir}, within the bounds. */
    SpoolSlots(Path dir) throws IOException {
        this.dir = dir;
        long max = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, PREFIX + "*")) {
            for (Path f : files) {
                long n = number(f);
                if (n < 0) {
                    continue;
                }
                max = Math.max(max, n);
                giveBack(f);
            }
        }
        seq.set(max);
    }

    static boolean isSlot(Path file) {
        return number(file) >= 0;
    }

    private static long number(Path file) {
        String name = file.getFileName().toString();
        if (!name.startsWith(PREFIX) || name.length() == PREFIX.length() || name.length() > PREFIX.length() + 18) {
            return -1;
        }
        for (int i = PREFIX.length(); i < name.length(); i++) {
            if (name.charAt(i) < '0' || name.charAt(i) > '9') {
                return -1;
            }
        }
        return Long.parseLong(name.substring(PREFIX.length()));
    }

    /** A free spool file, or the name of a new one. */
    Path take() {
        Path p = free.pollFirst();
        if (p != null) {
            freeCount.decrementAndGet();
            return p;
        }
        return dir.resolve(PREFIX + seq.incrementAndGet());
    }

    /** {@code file} (one of {@link #take}'s) is free again; kept when the bounds allow, else unlinked. */
    void giveBack(Path file) {
        java.io.File f = file.toFile();
        long size = f.length();
        if (size == 0 && !f.exists()) {
            return; // never written, or removed by its user
        }
        giveBack(file, size);
    }

    /**
     * As {@link #giveBack(Path)} for a file known to exist and to hold {@code size} bytes: no stat, for the commit
     * thread, which every reply of its batch waits for.
     */
    void giveBack(Path file, long size) {
        java.io.File f = file.toFile();
        if (size <= MAX_FILE_BYTES && freeCount.incrementAndGet() <= MAX_FREE) {
            free.addFirst(file); // the most recently used first: its pages are likely still cached
            return;
        }
        if (size <= MAX_FILE_BYTES) {
            freeCount.decrementAndGet();
        }
        if (!f.delete() && f.exists()) {
            log.debug("cannot remove spool file {}", file);
        }
    }

    /** Unlinks every free spool file: room for messages when the disk is full. */
    void release() {
        Path p;
        while ((p = free.pollFirst()) != null) {
            freeCount.decrementAndGet();
            if (!p.toFile().delete() && p.toFile().exists()) {
                log.debug("cannot remove spool file {}", p);
            }
        }
    }

    int freeCount() {
        return freeCount.get();
    }
}
