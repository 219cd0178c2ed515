package works.cast.relay.server.queue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Files of removed messages kept in {@code <queue>/spare/} for the next messages. On ext4 under a steady stream of
 * fsyncs, creating a file (a new inode) and unlinking one cost several times the CPU of renaming one, and the queue
 * used to create two files and unlink two for every message. A file taken from here keeps its old bytes: the writer
 * overwrites from offset 0 and cuts the file to what it wrote before it fsyncs it.
 *
 * <p>The pool is bounded in files and bytes; larger files are unlinked as before. Spare files are never read: a crash
 * leaves at worst a few more of them, which the next start adopts. Thread-safe.
 *
 * <p>A file leaves the pool only once a directory fsync that started after its removal has completed ({@link
 * Generations}). Why this order is safe after a power loss: reusing a file writes another message's bytes into the
 * same inode. Were the removal of {@code <old>.msg} still only in memory when those bytes reach the disk, a power
 * loss could bring back the name {@code <old>.msg} pointing at the new bytes, and recovery would deliver them as the
 * old message (a v2 file would fail its id check, a v1 one would not). Once the queue directory's fsync covering the
 * removal has completed, the old name is gone for good, whatever happens to the inode later: it is then reachable
 * only from {@code spare/}, a directory that is never read. (A rename between two directories is one journal
 * transaction on ext4 and XFS, so a crash leaves the file in exactly one of them.)
 */
final class SpareFiles {

    private static final Logger log = LoggerFactory.getLogger(SpareFiles.class);

    static final int MAX_FILES = 512;
    static final long MAX_FILE_BYTES = 256 * 1024;
    static final long MAX_BYTES = 32L * 1024 * 1024;

    private final Path dir;
    private final ArrayDeque<Spare> free = new ArrayDeque<>();
    private long bytes;
    private long seq;

    private final Generations generations;

    /** The directory fsyncs of the queue, numbered (see {@link GroupCommit}). */
    interface Generations {
        /** Every fsync does: for a pool whose files were never in a committed message's place. */
        Generations NONE = new Generations() {
            @Override
            public long next() {
                return 0;
            }

            @Override
            public long durable() {
                return 0;
            }
        };

        /** The first fsync that covers a rename done before this call. */
        long next();

        /** The last fsync that completed. */
        long durable();
    }

    /** @param ready the generation whose completion makes the file safe to reuse */
    private record Spare(Path path, long size, long ready) {
    }

    SpareFiles(Path dir) throws IOException {
        this(dir, Generations.NONE);
    }

    SpareFiles(Path dir, Generations generations) throws IOException {
        this.dir = dir;
        this.generations = generations;
        Files.createDirectories(dir);
        adopt();
    }

    /** Takes over the spare files a previous run left, within the bounds; removes the rest. */
    private void adopt() throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                long n = name.length() < 18 && name.chars().allMatch(c -> c >= '0' && c <= '9')
                        ? Long.parseLong(name) : -1;
                long size = Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS) ? Files.size(f) : -1;
                if (n >= 0 && size >= 0 && free.size() < MAX_FILES && size <= MAX_FILE_BYTES
                        && bytes + size <= MAX_BYTES) {
                    free.add(new Spare(f, size, generations.next())); // a removal may be all that was durable
                    bytes += size;
                } else {
                    try {
                        Files.deleteIfExists(f);
                    } catch (IOException e) {
                        log.warn("cannot remove {} from the spare files: {}", f, e.toString());
                    }
                }
                seq = Math.max(seq, n + 1); // never reuse a name still on disk
            }
        }
    }

    /**
     * Opens {@code target} for writing from offset 0: a spare file renamed there, or a new file. The caller writes,
     * then {@link FileChannel#truncate truncates} to the bytes written; {@code target} must not exist.
     */
    FileChannel create(Path target) throws IOException {
        Spare s = take();
        if (s != null) {
            try {
                Files.move(s.path(), target, StandardCopyOption.ATOMIC_MOVE);
                return FileChannel.open(target, StandardOpenOption.WRITE);
            } catch (IOException e) {
                log.debug("spare file {} unusable: {}", s.path(), e.toString());
                Files.deleteIfExists(s.path());
            }
        }
        return FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    }

    /**
     * A spare file to write a new file in, in {@code spare/} itself; the caller overwrites it from offset 0, cuts and
     * fsyncs it, then renames it into its place, which saves the rename that {@link #create} makes first. Null when
     * no spare file is ready. A crash before that rename leaves it a spare file, still in {@code spare/}.
     */
    Path takeForWrite() {
        Spare s = take();
        return s == null ? null : s.path();
    }

    /** The oldest spare file whose removal is durable, or null; files are ready in the order they came. */
    private synchronized Spare take() {
        Spare s = free.peek();
        if (s == null || s.ready() > generations.durable()) {
            return null;
        }
        free.poll();
        bytes -= s.size();
        return s;
    }

    private synchronized Spare takeAny() {
        Spare s = free.poll();
        if (s != null) {
            bytes -= s.size();
        }
        return s;
    }

    /** Moves {@code file} into the pool, or unlinks it when it is large or the pool is full; a missing file is fine. */
    void recycle(Path file) throws IOException {
        // java.io.File answers "no such file" without an exception (Files.size throws one, with its stack trace,
        // for every message that has no side file).
        java.io.File f = file.toFile();
        long size = f.length();
        if (size == 0 && !f.exists()) {
            return;
        }
        Path to;
        synchronized (this) {
            if (size > MAX_FILE_BYTES || free.size() >= MAX_FILES || bytes + size > MAX_BYTES) {
                to = null;
            } else {
                to = dir.resolve(Long.toString(seq++));
                bytes += size; // reserved now so that concurrent callers stay within the bound
            }
        }
        if (to == null) {
            Files.deleteIfExists(file);
            return;
        }
        try {
            Files.move(file, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            synchronized (this) {
                bytes -= size;
            }
            log.debug("cannot keep {} as a spare file: {}", file, e.toString());
            Files.deleteIfExists(file); // the message must go either way
            return;
        }
        long ready = generations.next(); // read after the rename, so that fsync covers it
        synchronized (this) {
            free.add(new Spare(to, size, ready));
        }
    }

    /** Unlinks every spare file: room for messages when the disk is full. */
    void release() {
        Spare s;
        while ((s = takeAny()) != null) {
            try {
                Files.deleteIfExists(s.path());
            } catch (IOException e) {
                log.debug("cannot remove spare file {}: {}", s.path(), e.toString());
            }
        }
    }

    synchronized int size() {
        return free.size();
    }
}
