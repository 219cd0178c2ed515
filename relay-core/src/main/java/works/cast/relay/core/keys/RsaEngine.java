package works.cast.relay.core.keys;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.security.interfaces.RSAPrivateCrtKey;
import java.util.Arrays;
import java.util.Optional;

/**
 * Which code computes RSA signatures in this JVM: the system's OpenSSL 3 when the JVM runs with
 * {@code --add-modules=jdk.incubator.foreign --enable-native-access=ALL-UNNAMED} (as {@code bin/dkim-relay run} and
 * the systemd unit start it) and libcrypto.so.3 is installed, else the JDK. Both give the same bytes; OpenSSL takes
 * about half the CPU. {@code -Ddkim-relay.openssl=false} keeps the JDK.
 *
 * <p>Each key is checked once when it first signs: OpenSSL's signature of a fixed text must equal the JDK's, or
 * that key signs with the JDK. A native failure while signing a message falls back to the JDK for that message.
 */
public final class RsaEngine {

    static final String FOREIGN_MODULE = "jdk.incubator.foreign";
    private static final byte[] PROBE = "dkim-relay RSA engine check".getBytes(StandardCharsets.US_ASCII);

    private static final Object OPENSSL; // an OpenSslRsa, typed Object so that this class links without the module
    private static final String DESCRIPTION;

    static {
        Object lib = null;
        String description;
        if (!Boolean.parseBoolean(System.getProperty("dkim-relay.openssl", "true"))) {
            description = "jdk (OpenSSL turned off with -Ddkim-relay.openssl=false)";
        } else if (ModuleLayer.boot().findModule(FOREIGN_MODULE).isEmpty()) {
            description = "jdk (start the JVM with --add-modules=" + FOREIGN_MODULE
                    + " --enable-native-access=ALL-UNNAMED to sign with OpenSSL)";
        } else {
            String[] out = new String[1];
            lib = OpenSslBinding.load(out);
            description = out[0];
        }
        OPENSSL = lib;
        DESCRIPTION = description;
    }

    private RsaEngine() {
    }

    /** "openssl (OpenSSL 3.0.19 27 Jan 2026)" or "jdk (reason)", for the startup log. */
    public static String describe() {
        return DESCRIPTION;
    }

    /** True when RSA keys sign with OpenSSL (unless a key fails its check). */
    public static boolean openSsl() {
        return OPENSSL != null;
    }

    /** The signer for a key: OpenSSL's when bound and the key passes the check, else the JDK's. */
    static RsaSigner signer(RSAPrivateCrtKey key) {
        RsaSigner jdk = new JdkSigner(key);
        return OPENSSL == null ? jdk : checked(OpenSslBinding.signer(OPENSSL, key), jdk);
    }

    /**
     * {@code fast} if it signs a fixed text as {@code jdk} does, with {@code jdk} for any message it then fails to
     * sign; else {@code jdk}.
     */
    static RsaSigner checked(Optional<RsaSigner> fast, RsaSigner jdk) {
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
    record JdkSigner(RSAPrivateCrtKey key) implements RsaSigner {
        @Override
        public byte[] sign(byte[] data) {
            try {
                Signature s = Signature.getInstance("SHA256withRSA");
                s.initSign(key);
                s.update(data);
                return s.sign();
            } catch (GeneralSecurityException e) {
                throw new KeyException("RSA signing failed: " + e.getMessage(), e);
            }
        }
    }

    /** OpenSSL, and the JDK for a message whose native signing failed. */
    private record WithFallback(RsaSigner primary, RsaSigner fallback) implements RsaSigner {
        @Override
        public byte[] sign(byte[] data) {
            try {
                return primary.sign(data);
            } catch (KeyException e) {
                return fallback.sign(data);
            }
        }
    }

    /** The only place that names {@link OpenSslRsa}; reached only when the foreign module is present. */
    private static final class OpenSslBinding {

        static Object load(String[] description) {
            try {
                OpenSslRsa lib = OpenSslRsa.load();
                description[0] = "openssl (" + lib.version() + ")";
                return lib;
            } catch (Throwable e) { // IllegalCallerException without native access, UnsatisfiedLinkError, ...
                description[0] = "jdk (OpenSSL unavailable: " + e + ")";
                return null;
            }
        }

        static Optional<RsaSigner> signer(Object lib, RSAPrivateCrtKey key) {
            try {
                return Optional.of(((OpenSslRsa) lib).importKey(key));
            } catch (KeyException e) {
                return Optional.empty();
            }
        }
    }
}
