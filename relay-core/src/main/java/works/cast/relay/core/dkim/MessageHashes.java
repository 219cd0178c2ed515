package works.cast.relay.core.dkim;

import java.util.EnumMap;
import java.util.Map;
import works.cast.relay.core.dkim.canon.Canonicalization;
import works.cast.relay.core.mail.HeaderBlock;

/**
 * A message after one streaming pass: its header block and the SHA-256 of its body under each canonicalization
 * that was asked for.
 *
 * @param headers    the header block, raw
 * @param bodyHashes body hash per body canonicalization
 * @param bodyLength body bytes as received (a {@code long}: bodies may exceed 2 GiB in principle)
 */
public record MessageHashes(HeaderBlock headers, Map<Canonicalization, byte[]> bodyHashes, long bodyLength) {

    public MessageHashes {
        bodyHashes = Map.copyOf(new EnumMap<>(bodyHashes));
    }

    public byte[] bodyHash(Canonicalization c) {
        byte[] h = bodyHashes.get(c);
        if (h == null) {
            throw new IllegalArgumentException("no body hash computed for " + c.tagValue());
        }
        return h.clone();
    }
}
