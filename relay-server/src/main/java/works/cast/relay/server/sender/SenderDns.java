package works.cast.relay.server.sender;

import java.net.InetAddress;
import java.util.List;

/**
 * The lookups that sender checks need (RFC 7208 section 4.6.4, RFC 7489 section 6.6.3): TXT with each record's
 * strings joined, addresses (A and AAAA), and MX host names. May block; called off event loops.
 */
public interface SenderDns {

    /** One answer: the records, none (NXDOMAIN or no data), or a failure that may pass. */
    sealed interface Answer<T> permits Found, None, TempError {
    }

    record Found<T>(List<T> values) implements Answer<T> {
        public Found {
            values = List.copyOf(values);
        }
    }

    record None<T>() implements Answer<T> {
    }

    record TempError<T>(String reason) implements Answer<T> {
    }

    Answer<String> txt(String name);

    Answer<InetAddress> addresses(String name);

    /** MX exchange names in preference order. */
    Answer<String> mx(String name);
}
