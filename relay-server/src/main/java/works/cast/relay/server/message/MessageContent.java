package works.cast.relay.server.message;

import java.io.IOException;
import java.nio.channels.ReadableByteChannel;

/**
 * The bytes of a message as they go to the next hop (prepended fields first, not dot-stuffed), readable any number of
 * times: each delivery attempt opens them anew, streaming from disk. The caller closes each channel it opens.
 */
@FunctionalInterface
public interface MessageContent {

    ReadableByteChannel open() throws IOException;
}
