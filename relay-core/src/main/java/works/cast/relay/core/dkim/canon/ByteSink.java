package works.cast.relay.core.dkim.canon;

/** Where canonicalized bytes go, usually {@link java.security.MessageDigest#update(byte[], int, int)}. */
@FunctionalInterface
public interface ByteSink {
    void write(byte[] b, int off, int len);
}
