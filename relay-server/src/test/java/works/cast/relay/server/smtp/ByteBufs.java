package works.cast.relay.server.smtp;

import io.netty.buffer.ByteBuf;

/** Test helpers for ByteBufs. */
final class ByteBufs {

    private ByteBufs() {
    }

    /** Reads and releases {@code buf}. */
    static byte[] bytes(ByteBuf buf) {
        try {
            byte[] b = new byte[buf.readableBytes()];
            buf.readBytes(b);
            return b;
        } finally {
            buf.release();
        }
    }
}
