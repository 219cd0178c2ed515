package works.cast.relay.server.queue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/** Counts fsyncs, can hold the first directory fsync, and can play a full disk. */
final class TestGuard implements FileSystemGuard {

    final AtomicInteger directoryFsyncs = new AtomicInteger();
    final AtomicInteger fileFsyncs = new AtomicInteger();
    final CountDownLatch fsyncEntered = new CountDownLatch(1);
    final CountDownLatch fileFsyncEntered = new CountDownLatch(1);
    volatile CountDownLatch holdFileFsync = new CountDownLatch(0);
    volatile CountDownLatch holdDirectoryFsync = new CountDownLatch(0);
    volatile boolean diskFull;
    volatile boolean directoryFsyncFails;

    @Override
    public void write(FileChannel channel, ByteBuffer data) throws IOException {
        if (diskFull) {
            throw new IOException("No space left on device");
        }
        FileSystemGuard.super.write(channel, data);
    }

    @Override
    public void force(FileChannel channel) throws IOException {
        fileFsyncEntered.countDown();
        try {
            holdFileFsync.await();
        } catch (InterruptedException e) {
            throw new IOException(e);
        }
        fileFsyncs.incrementAndGet();
        FileSystemGuard.super.force(channel);
    }

    @Override
    public void forceDirectory(Path directory) throws IOException {
        fsyncEntered.countDown();
        try {
            holdDirectoryFsync.await();
        } catch (InterruptedException e) {
            throw new IOException(e);
        }
        directoryFsyncs.incrementAndGet();
        if (directoryFsyncFails) {
            throw new IOException("Input/output error");
        }
        FileSystemGuard.super.forceDirectory(directory);
    }
}
