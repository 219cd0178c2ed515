package works.cast.relay.core.keys;

import java.security.PublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.util.Base64;
import java.util.Objects;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import works.cast.relay.core.dkim.SigningAlgorithm;
import works.cast.relay.core.dkim.canon.BodyHasher;

/**
 * A private key that signs DKIM header data, with the public half that goes into DNS. Thread-safe.
 */
public sealed interface SigningKey permits SigningKey.Rsa, SigningKey.Ed25519 {

    /** RSA keys below this size are refused (RFC 8301 section 3.2). */
    int MIN_RSA_BITS = 1024;
    /** The largest RSA key the relay accepts. */
    int MAX_RSA_BITS = 4096;
    /** RSA keys below this size work, with a warning. */
    int RECOMMENDED_RSA_BITS = 2048;

    SigningAlgorithm algorithm();

    /** Key size in bits (256 for Ed25519). */
    int bits();

    /** The base64 {@code p=} value of the DNS record: SubjectPublicKeyInfo for RSA, the raw 32 bytes for Ed25519. */
    String publicKeyBase64();

    /** Signs the canonicalized header data (RFC 6376 section 3.7; RFC 8463 section 3 for Ed25519). */
    byte[] sign(byte[] headerData);

    /**
     * An RSA key used with RSASSA-PKCS1-v1_5 and SHA-256. It signs with ACCP or the JDK as {@link CryptoProvider}
     * decides on its first signature. Equal when the key pair is.
     */
    final class Rsa implements SigningKey {
        private final RSAPrivateCrtKey privateKey;
        private final PublicKey publicKey;
        private volatile RawSigner signer;

        public Rsa(RSAPrivateCrtKey privateKey, PublicKey publicKey) {
            this.privateKey = Objects.requireNonNull(privateKey, "privateKey");
            this.publicKey = Objects.requireNonNull(publicKey, "publicKey");
            int bits = privateKey.getModulus().bitLength();
            if (bits < MIN_RSA_BITS) {
                throw new KeyException("RSA key of " + bits + " bits is too small (at least " + MIN_RSA_BITS
                        + " required, " + RECOMMENDED_RSA_BITS + " recommended)");
            }
            if (bits > MAX_RSA_BITS) {
                throw new KeyException("RSA key of " + bits + " bits is too large (at most " + MAX_RSA_BITS + ")");
            }
        }

        public RSAPrivateCrtKey privateKey() {
            return privateKey;
        }

        public PublicKey publicKey() {
            return publicKey;
        }

        @Override
        public SigningAlgorithm algorithm() {
            return SigningAlgorithm.RSA_SHA256;
        }

        @Override
        public int bits() {
            return privateKey.getModulus().bitLength();
        }

        @Override
        public String publicKeyBase64() {
            return Base64.getEncoder().encodeToString(publicKey.getEncoded());
        }

        @Override
        public byte[] sign(byte[] headerData) {
            RawSigner s = signer;
            if (s == null) {
                // Two threads may both make one; the one not kept is freed by the garbage collector.
                s = CryptoProvider.signer(privateKey);
                signer = s;
            }
            return s.sign(headerData);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Rsa r && privateKey.equals(r.privateKey) && publicKey.equals(r.publicKey);
        }

        @Override
        public int hashCode() {
            return Objects.hash(privateKey, publicKey);
        }

        @Override
        public String toString() {
            return "RSA-" + bits();
        }
    }

    /**
     * An Ed25519 key; it signs the SHA-256 of the header data with PureEdDSA (RFC 8463 section 3), by ACCP or
     * BouncyCastle as {@link CryptoProvider} decides on its first signature. Equal when the seed is.
     */
    final class Ed25519 implements SigningKey {
        private final Ed25519PrivateKeyParameters privateKey;
        private volatile RawSigner signer;

        public Ed25519(Ed25519PrivateKeyParameters privateKey) {
            this.privateKey = Objects.requireNonNull(privateKey, "privateKey");
        }

        /** From the 32-byte private seed (RFC 8032 section 5.1.5). */
        public static Ed25519 fromSeed(byte[] seed) {
            if (seed.length != 32) {
                throw new KeyException("Ed25519 private key must be 32 bytes, got " + seed.length);
            }
            return new Ed25519(new Ed25519PrivateKeyParameters(seed, 0));
        }

        public Ed25519PrivateKeyParameters privateKey() {
            return privateKey;
        }

        @Override
        public SigningAlgorithm algorithm() {
            return SigningAlgorithm.ED25519_SHA256;
        }

        @Override
        public int bits() {
            return 256;
        }

        @Override
        public String publicKeyBase64() {
            return Base64.getEncoder().encodeToString(privateKey.generatePublicKey().getEncoded());
        }

        @Override
        public byte[] sign(byte[] headerData) {
            RawSigner s = signer;
            if (s == null) {
                s = CryptoProvider.ed25519Signer(privateKey.getEncoded(), this::signPortable);
                signer = s;
            }
            return s.sign(BodyHasher.sha256().digest(headerData));
        }

        /** BouncyCastle's PureEdDSA of {@code digest}. */
        byte[] signPortable(byte[] digest) {
            byte[] sig = new byte[Ed25519PrivateKeyParameters.SIGNATURE_SIZE];
            privateKey.sign(org.bouncycastle.math.ec.rfc8032.Ed25519.Algorithm.Ed25519, null, digest, 0,
                    digest.length, sig, 0);
            return sig;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Ed25519 e && java.util.Arrays.equals(privateKey.getEncoded(), e.privateKey.getEncoded());
        }

        @Override
        public int hashCode() {
            return java.util.Arrays.hashCode(privateKey.getEncoded());
        }

        @Override
        public String toString() {
            return "Ed25519";
        }
    }
}
