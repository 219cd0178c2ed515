package works.cast.relay.core.dkim.canon;

/**
 * Canonicalizes a message body as a stream (RFC 6376 section 3.4.3 and 3.4.4).
 *
 * <p>Feed the body in chunks of any size with {@link #update}, then call {@link #finish} once. The result does not
 * depend on where the chunks split: a CRLF, a whitespace run or a run of trailing empty lines may straddle two
 * chunks. Not thread-safe; one instance per body.
 */
public interface BodyCanonicalizer {

    void update(byte[] b, int off, int len);

    /** Ends the body: drops held-back trailing empty lines and adds the final CRLF where the algorithm says so. */
    void finish();
}
