package works.cast.relay.core.keys;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.Signature;
import java.security.interfaces.RSAPrivateCrtKey;
import java.util.Arrays;
import java.util.Optional;

/**
 * Which code computes RSA signatures in this JVM: the Amazon Corretto Crypto Provider (AWS-LC, shipped in the relay
 * jar for Linux x86-64) when it loads, else the JDK. Both give the same bytes (RSASSA-PKCS1-v1_5 is deterministic,
 * RFC 8017 section 8.2); ACCP takes less CPU per signature (see README, Benchmarks). The provider is used for these
 * signatures only; it is not installed for the rest of the JVM (TLS keeps the JDK's providers).
 * {@code -Ddkim-relay.accp=false} keeps the JDK.
 *
 * <p>Each key is checked once, when it first signs: ACCP's signature of a fixed text must equal the JDK's, or that
 * key signs with the JDK. A provider failure while signing a message falls back to the JDK for that message.
 */
public final class CryptoProvider {

    static final String ACCP_CLASS = "com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider";
    static final String ALGORITHM = "SHA256withRSA";
    private static final byte[] PROBE = "dkim-relay RSA provider check".getBytes(StandardCharsets.US_ASCII);

    private static final Loaded LOADED = Boolean.parseBoolean(System.getProperty("dkim-relay.accp", "true"))
            ? load(ACCP_CLASS)
            : new Loaded(Optional.empty(), "jdk (ACCP turned off with -Ddkim-relay.accp=false)");

    private CryptoProvider() {
    }

    /** The provider, when it loaded, and the line that says so: "accp 2.5.0" or "jdk (reason)". */
    record Loaded(Optional<Provider> provider, String description) {
    }

    /** "accp 2.5.0" or "jdk (reason)", for the startup log, {@code /metrics} and {@code dkim-relay version}. */
    public static String describe() {
        return LOADED.description();
    }

    /** True when RSA keys sign with ACCP (unless a key fails its check). */
    public static boolean accp() {
        return LOADED.provider().isPresent();
    }

    /**
     * Loads the provider class by name (so that the relay builds and runs without it) and asks it whether its
     * native library loaded. Every failure is a reason to sign with the JDK, never an error.
     */
    static Loaded load(String className) {
        try {
            Class<?> type = Class.forName(className, true, CryptoProvider.class.getClassLoader());
            Provider p = (Provider) type.getField("INSTANCE").get(null);
            Object error = type.getMethod("getLoadingError").invoke(p);
            if (error != null) {
                return new Loaded(Optional.empty(), "jdk (ACCP did not load: " + error + ")");
            }
            if (p.getService("Signature", ALGORITHM) == null) {
                return new Loaded(Optional.empty(), "jdk (ACCP has no " + ALGORITHM + ")");
            }
            return new Loaded(Optional.of(p), "accp " + type.getMethod("getVersionStr").invoke(p));
        } catch (ClassNotFoundException e) {
            return new Loaded(Optional.empty(), "jdk (ACCP is not in the jar)");
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return new Loaded(Optional.empty(), "jdk (ACCP did not load: " + e + ")");
        }
    }

    /**
     * The Ed25519 signer for a key: ACCP's when loaded and its signature of a fixed text equals BouncyCastle's,
     * else BouncyCastle's ({@code portable}). ACCP signs about twice as fast.
     */
    static RawSigner ed25519Signer(byte[] seed, RawSigner portable) {
        return checked(LOADED.provider().flatMap(p -> Ed25519ProviderSigner.of(p, seed)), portable);
    }

    /** The signer for a key: ACCP's when loaded and the key passes the check, else the JDK's. */
    static RawSigner signer(RSAPrivateCrtKey key) {
        RawSigner jdk = new JdkSigner(key);
        return checked(LOADED.provider().flatMap(p -> ProviderSigner.of(p, key)), jdk);
    }

    /**
     * {@code fast} if it signs a fixed text as {@code jdk} does, with {@code jdk} for any message it then fails to
     * sign; else {@code jdk}.
     */
    static RawSigner checked(Optional<RawSigner> fast, RawSigner jdk) {
        if (fast.isEmpty()) {
            return jdk;
        }
        try {
            if (!Arrays.equals(fast.get().sign(PROBE), jdk.sign(PROBE))) {
                return jdk;
            }
        } catch (KeyException e) {
            return jdk;
        }
        return new WithFallback(fast.get(), jdk);
    }

    /** The JDK's SunRsaSign provider: a new {@link Signature} for every call. */
    record JdkSigner(RSAPrivateCrtKey key) implements RawSigner {
        @Override
        public byte[] sign(byte[] data) {
            try {
                Signature s = Signature.getInstance(ALGORITHM);
                s.initSign(key);
                s.update(data);
                return s.sign();
            } catch (GeneralSecurityException e) {
                throw new KeyException("RSA signing failed: " + e.getMessage(), e);
            }
        }
    }

    /**
     * A provider's {@link Signature}, new for every call, with the key translated into the provider's own form once
     * (for ACCP a native AWS-LC key; translating it on every {@code initSign} would parse it per message).
     */
    record ProviderSigner(Provider provider, PrivateKey key) implements RawSigner {

        static Optional<RawSigner> of(Provider provider, RSAPrivateCrtKey key) {
            try {
                PrivateKey own = (PrivateKey) KeyFactory.getInstance("RSA", provider).translateKey(key);
                return Optional.of(new ProviderSigner(provider, own));
            } catch (GeneralSecurityException | RuntimeException e) {
                return Optional.empty();
            }
        }

        @Override
        public byte[] sign(byte[] data) {
            try {
                Signature s = Signature.getInstance(ALGORITHM, provider);
                s.initSign(key);
                s.update(data);
                return s.sign();
            } catch (GeneralSecurityException | RuntimeException e) {
                throw new KeyException(provider.getName() + " RSA signing failed: " + e, e);
            }
        }
    }

    /** A provider's Ed25519 {@link Signature} with the key in the provider's own form, made once. */
    record Ed25519ProviderSigner(Provider provider, PrivateKey key) implements RawSigner {

        /** PKCS#8 of an Ed25519 seed is this prefix and the 32 bytes (RFC 8410 section 7). */
        private static final byte[] PKCS8_PREFIX = java.util.HexFormat.of().parseHex("302e020100300506032b657004220420");

        static Optional<RawSigner> of(Provider provider, byte[] seed) {
            try {
                if (provider.getService("Signature", "Ed25519") == null) {
                    return Optional.empty();
                }
                byte[] der = Arrays.copyOf(PKCS8_PREFIX, PKCS8_PREFIX.length + seed.length);
                System.arraycopy(seed, 0, der, PKCS8_PREFIX.length, seed.length);
                PrivateKey jdk = KeyFactory.getInstance("Ed25519")
                        .generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(der));
                PrivateKey own;
                try {
                    own = (PrivateKey) KeyFactory.getInstance("Ed25519", provider).translateKey(jdk);
                } catch (GeneralSecurityException | RuntimeException e) {
                    own = jdk; // the provider's Signature still takes the JDK's key, translating it per call
                }
                return Optional.of(new Ed25519ProviderSigner(provider, own));
            } catch (GeneralSecurityException | RuntimeException e) {
                return Optional.empty();
            }
        }

        @Override
        public byte[] sign(byte[] data) {
            try {
                Signature s = Signature.getInstance("Ed25519", provider);
                s.initSign(key);
                s.update(data);
                return s.sign();
            } catch (GeneralSecurityException | RuntimeException e) {
                throw new KeyException(provider.getName() + " Ed25519 signing failed: " + e, e);
            }
        }
    }

    /** The provider, and the JDK for a message whose signing by the provider failed. */
    private record WithFallback(RawSigner primary, RawSigner fallback) implements RawSigner {
        @Override
        public byte[] sign(byte[] data) {
            try {
                return primary.sign(data);
            } catch (KeyException e) {
                return fallback.sign(data);
            }
        }
    }
}
