package works.cast.relay.server.smtp;

import io.netty.buffer.ByteBuf;
import java.util.concurrent.CompletionStage;
import works.cast.relay.server.message.Reply;

/**
 * The receiving end of one message's DATA; see {@link MessageReceiver} for the call order and threading.
 */
public interface MessageSink {

    /**
     * Takes the next chunk of content: dot-stuffing removed, lines ending in CRLF, without the final
     * {@code .CRLF}. The sink takes ownership of {@code content} and releases it.
     *
     * @return false when the caller should stop reading from the socket until the sink runs the
     *         {@code resumeReading} callback given to {@link MessageReceiver#open}
     */
    boolean write(ByteBuf content);

    /** The content is complete; completes (on any thread) with the reply for the client. */
    CompletionStage<Reply> finish();

    /** The content is void (rejected or connection lost): discard what was written. Idempotent. */
    void abort(String reason);
}
