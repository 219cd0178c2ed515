package works.cast.relay.core.keys;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The lock of one domain directory of the key store. A change writes two files (the key, then its line in
 * state.conf), so a reader that looked between them would see a key without its entry: writers hold the lock
 * exclusively and readers share it, across processes ({@code dkim-relay keys} beside the running relay) through a
 * POSIX lock on {@code <domain>/.lock}.
 *
 * <p>A JVM holds file locks for the whole process and refuses a second overlapping one (even a shared one) from
 * another thread, so threads of one JVM first take a plain lock per directory, and only the holder of that takes
 * the file lock.
 */
final class DomainLock {

    static final String NAME = ".lock";

    private static final ConcurrentHashMap<Path, ReentrantLock> IN_THIS_JVM = new ConcurrentHashMap<>();

    private DomainLock() {
    }

    /** Runs {@code action} holding the directory's lock alone; the directory must exist. */
    static <T> T exclusive(Path domainDir, Supplier<T> action) {
        return locked(domainDir, false, action);
    }

    /**
     * Runs {@code action} while no writer holds the directory's lock. A reader never creates the lock file (one
     * made by root through {@code sudo dkim-relay keys list} would keep the relay's user from writing); every writer
     * makes it before its first change, so a directory without one was never written by a writer. A reader that
     * cannot open it (another user with read access only) reads without it rather than not at all.
     */
    static <T> T shared(Path domainDir, Supplier<T> action) {
        return locked(domainDir, true, action);
    }

    private static <T> T locked(Path domainDir, boolean shared, Supplier<T> action) {
        ReentrantLock inJvm = IN_THIS_JVM.computeIfAbsent(domainDir.toAbsolutePath().normalize(),
                d -> new ReentrantLock());
        inJvm.lock();
        try {
            if (inJvm.getHoldCount() > 1) {
                return action.get(); // this thread holds the file lock already
            }
            FileChannel ch;
            try {
                ch = shared ? FileChannel.open(domainDir.resolve(NAME), StandardOpenOption.READ)
                        : FileChannel.open(domainDir.resolve(NAME), StandardOpenOption.CREATE, StandardOpenOption.READ,
                                StandardOpenOption.WRITE);
            } catch (IOException e) {
                return unlocked(domainDir, shared, action, e);
            }
            try {
                try {
                    ch.lock(0, Long.MAX_VALUE, shared);
                } catch (IOException e) {
                    return unlocked(domainDir, shared, action, e);
                }
                return action.get();
            } finally {
                closeQuietly(ch); // releases the lock; a failure to close changes nothing already written
            }
        } finally {
            inJvm.unlock();
        }
    }

    private static <T> T unlocked(Path domainDir, boolean shared, Supplier<T> action, IOException e) {
        if (shared) {
            return action.get();
        }
        throw new KeyException("cannot lock " + domainDir + ": " + e.getMessage(), e);
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // the lock goes with the channel either way
        }
    }
}
