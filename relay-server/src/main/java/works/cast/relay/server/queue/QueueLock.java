package works.cast.relay.server.queue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The lock on {@code <queue.dir>/.lock}: the running relay holds it for its whole life, the {@code queue} command
 * takes it for a moment to change a stopped relay's files. An OS lock, so a crashed relay never leaves it behind.
 */
final class QueueLock implements AutoCloseable {

    private final FileChannel channel;
    private final FileLock lock;

    private QueueLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** The lock, or empty when another process (or another part of this one) holds it. */
    static Optional<QueueLock> tryAcquire(Path dir) throws IOException {
        FileChannel ch = FileChannel.open(dir.resolve(".lock"), java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.WRITE);
        try {
            FileLock lock = ch.tryLock();
            if (lock != null) {
                return Optional.of(new QueueLock(ch, lock));
            }
        } catch (OverlappingFileLockException e) {
            // held inside this JVM
        }
        ch.close();
        return Optional.empty();
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }
}
