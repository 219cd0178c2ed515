package works.cast.relay.server.smtp;

import io.netty.buffer.ByteBuf;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import works.cast.relay.core.mail.Envelope;
import works.cast.relay.server.message.Reply;

/** A MessageReceiver that keeps accepted messages in memory and records aborted ones. */
final class RecordingReceiver implements MessageReceiver {

    /** One message as the receiver saw it. */
    record Message(SessionInfo session, Envelope envelope, byte[] content) {
        String text() {
            return new String(content, StandardCharsets.UTF_8);
        }
    }

    final LinkedBlockingQueue<Message> accepted = new LinkedBlockingQueue<>();
    final List<String> aborted = new CopyOnWriteArrayList<>();
    final List<Envelope> opened = new CopyOnWriteArrayList<>();
    volatile Reply finishReply = new Reply(250, "2.0.0", "Ok queued");

    @Override
    public MessageSink open(SessionInfo session, Envelope envelope, Runnable resumeReading) {
        opened.add(envelope);
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        return new MessageSink() {
            private boolean closed;

            @Override
            public boolean write(ByteBuf chunk) {
                try {
                    if (closed) {
                        throw new IllegalStateException("write after finish/abort");
                    }
                    content.writeBytes(ByteBufs.bytes(chunk.retain()));
                    return true;
                } finally {
                    chunk.release();
                }
            }

            @Override
            public CompletionStage<Reply> finish() {
                closed = true;
                accepted.add(new Message(session, envelope, content.toByteArray()));
                return CompletableFuture.completedFuture(finishReply);
            }

            @Override
            public void abort(String reason) {
                if (!closed) {
                    closed = true;
                    aborted.add(reason);
                }
            }
        };
    }

    Message next(Duration timeout) throws InterruptedException {
        Message m = accepted.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (m == null) {
            throw new AssertionError("no message within " + timeout);
        }
        return m;
    }
}
