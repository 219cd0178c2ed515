package works.cast.relay.core.keys;

/**
 * One private key's signature primitive: RSASSA-PKCS1-v1_5 with SHA-256 over the data, or PureEdDSA (Ed25519) of the
 * data as given. Thread-safe.
 */
interface RawSigner {

    byte[] sign(byte[] data);
}
