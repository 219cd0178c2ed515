package works.cast.relay.server.queue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A queued message as one stream: the prepended header fields, then the received bytes read from {@code <id>.eml}
 * as they are needed. Nothing is buffered beyond the caller's buffer.
 */
final class ContentChannel implements ReadableByteChannel {

    private final ByteBuffer prepend;
    private final FileChannel body;

    private ContentChannel(byte[] prepend, FileChannel body) {
        this.prepend = ByteBuffer.wrap(prepend);
        this.body = body;
    }

    static ContentChannel open(byte[] prepend, Path eml) throws IOException {
        return new ContentChannel(prepend, FileChannel.open(eml, StandardOpenOption.READ));
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        if (!body.isOpen()) {
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
        return body.read(dst);
    }

    @Override
    public boolean isOpen() {
        return body.isOpen();
    }

    @Override
    public void close() throws IOException {
        body.close();
    }
}
