package works.cast.relay.server.queue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import works.cast.relay.core.keys.AtomicFiles;

/**
 * The writes and fsyncs of the queue, in one place so that tests can count fsyncs and simulate a full disk. Production
 * uses {@link #REAL}.
 */
interface FileSystemGuard {

    FileSystemGuard REAL = new FileSystemGuard() {
    };

    default void write(FileChannel channel, ByteBuffer data) throws IOException {
        while (data.hasRemaining()) {
            channel.write(data);
        }
    }

    default void force(FileChannel channel) throws IOException {
        channel.force(true);
    }

    default void forceDirectory(Path directory) throws IOException {
        AtomicFiles.syncDirectory(directory);
    }
}
