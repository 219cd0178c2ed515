package works.cast.relay.core.dkim.canon;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Canonicalizes a streamed body and hashes it with SHA-256: the {@code bh=} value (RFC 6376 section 3.7).
 *
 * <p>The signer never uses a length limit; the verifier honours an {@code l=} tag, counting canonicalized bytes as a
 * {@code long}. Not thread-safe.
 */
public final class BodyHasher {

    private final Canonicalization canonicalization;
    private final long limit;
    private final MessageDigest digest;
    private final BodyCanonicalizer canonicalizer;
    private long hashed;
    private byte[] result;

    /** A hasher of the whole body. */
    public BodyHasher(Canonicalization canonicalization) {
        this(canonicalization, -1);
    }

    /** A hasher of the first {@code limit} canonical bytes; {@code limit < 0} means the whole body. */
    public BodyHasher(Canonicalization canonicalization, long limit) {
        this.canonicalization = canonicalization;
        this.limit = limit;
        this.digest = sha256();
        this.canonicalizer = canonicalization.newBodyCanonicalizer(limit < 0 ? digest::update : this::limited);
    }

    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    private void limited(byte[] b, int off, int len) {
        long room = limit - hashed;
        int n = (int) Math.min(room, len);
        if (n > 0) {
            digest.update(b, off, n);
        }
        hashed += len;
    }

    public Canonicalization canonicalization() {
        return canonicalization;
    }

    public long limit() {
        return limit;
    }

    public void update(byte[] b, int off, int len) {
        if (result != null) {
            throw new IllegalStateException("body hash already finished");
        }
        canonicalizer.update(b, off, len);
    }

    /** Ends the body and returns the SHA-256 of its canonical form; later calls return the same hash. */
    public byte[] finish() {
        if (result == null) {
            canonicalizer.finish();
            result = digest.digest();
        }
        return result.clone();
    }

    /** Canonical bytes seen so far (only counted when a limit is set). */
    public long canonicalLength() {
        return hashed;
    }
}
