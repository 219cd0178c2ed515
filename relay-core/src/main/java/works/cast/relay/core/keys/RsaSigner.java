package works.cast.relay.core.keys;

/** RSASSA-PKCS1-v1_5 with SHA-256 by one private key. Thread-safe. */
interface RsaSigner {

    /** The signature of {@code data} (hashed with SHA-256 here). */
    byte[] sign(byte[] data);
}
