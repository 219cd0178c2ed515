package works.cast.relay.server.queue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;

/**
 * A queued message as one stream: prepended header fields held in memory (none for a v2 file, which stores them
 * before the received bytes), then a region of a file read as it is needed. Nothing is buffered beyond the caller's
 * buffer.
 */
final class ContentChannel implements ReadableByteChannel {

    private final ByteBuffer prepend;
    private final FileChannel file;
    private long position;
    private final long end;

    ContentChannel(byte[] prepend, FileChannel file, long start, long end) {
        this.prepend = ByteBuffer.wrap(prepend);
        this.file = file;
        this.position = start;
        this.end = end;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        if (!file.isOpen()) {
            throw new java.nio.channels.ClosedChannelException();
        }
        if (prepend.hasRemaining()) {
            int n = Math.min(prepend.remaining(), dst.remaining());
            ByteBuffer slice = prepend.slice();
            slice.limit(n);
            dst.put(slice);
            prepend.position(prepend.position() + n);
            return n;
        }
        if (position >= end) {
            return -1;
        }
        ByteBuffer view = dst;
        if (dst.remaining() > end - position) {
            view = dst.slice();
            view.limit((int) (end - position));
        }
        int n = file.read(view, position);
        if (n < 0) {
            throw new IOException("queued file ends before its " + end + " bytes");
        }
        if (view != dst) {
            dst.position(dst.position() + n);
        }
        position += n;
        return n;
    }

    @Override
    public boolean isOpen() {
        return file.isOpen();
    }

    @Override
    public void close() throws IOException {
        file.close();
    }
}
