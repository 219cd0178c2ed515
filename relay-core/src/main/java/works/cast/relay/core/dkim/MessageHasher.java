package works.cast.relay.core.dkim;

import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import works.cast.relay.core.dkim.canon.BodyHasher;
import works.cast.relay.core.dkim.canon.Canonicalization;
import works.cast.relay.core.mail.HeaderParser;

/**
 * Reads a message once, as it streams in: keeps the header block (bounded) and hashes the body under each requested
 * canonicalization, so that at the end of DATA only the header hash and the key operation remain.
 *
 * <pre>
 * MessageHasher h = new MessageHasher(Set.of(RELAXED), 1 &lt;&lt; 20);
 * h.update(chunk, 0, n);   // any number of times, any chunk boundaries
 * MessageHashes m = h.finish();
 * </pre>
 * Not thread-safe; one instance per message.
 */
public final class MessageHasher {

    private final HeaderParser headerParser;
    private final Map<Canonicalization, BodyHasher> bodyHashers = new EnumMap<>(Canonicalization.class);
    private final long maxHeaderBytes;
    private long bodyLength;
    private MessageHashes result;

    public MessageHasher(Set<Canonicalization> bodyCanonicalizations, long maxHeaderBytes) {
        if (bodyCanonicalizations.isEmpty()) {
            throw new IllegalArgumentException("at least one body canonicalization is needed");
        }
        this.headerParser = new HeaderParser(maxHeaderBytes);
        this.maxHeaderBytes = maxHeaderBytes;
        for (Canonicalization c : bodyCanonicalizations) {
            bodyHashers.put(c, new BodyHasher(c));
        }
    }

    /** @throws works.cast.relay.core.mail.HeaderTooLargeException when the header block passes its limit */
    public void update(byte[] b, int off, int len) {
        if (result != null) {
            throw new IllegalStateException("message already finished");
        }
        if (!headerParser.isComplete()) {
            int used = headerParser.update(b, off, len);
            off += used;
            len -= used;
        }
        if (len > 0) {
            bodyLength += len;
            for (BodyHasher h : bodyHashers.values()) {
                h.update(b, off, len);
            }
        }
    }

    public long maxHeaderBytes() {
        return maxHeaderBytes;
    }

    /** True once the empty line after the header block was read: {@link #headerBytes()} no longer grows. */
    public boolean headerComplete() {
        return headerParser.isComplete();
    }

    /** Bytes of the header block held in memory so far (bounded by the limit given at construction). */
    public long headerBytes() {
        return headerParser.heldBytes();
    }

    public MessageHashes finish() {
        if (result == null) {
            Map<Canonicalization, byte[]> hashes = new EnumMap<>(Canonicalization.class);
            bodyHashers.forEach((c, h) -> hashes.put(c, h.finish()));
            result = new MessageHashes(headerParser.headers(), hashes, bodyLength);
        }
        return result;
    }
}
