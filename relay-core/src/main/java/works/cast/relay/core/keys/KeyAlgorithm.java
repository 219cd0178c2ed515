package works.cast.relay.core.keys;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.interfaces.RSAPrivateCrtKey;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import works.cast.relay.core.dkim.SigningAlgorithm;

/** The kinds of key the key store generates: RSA of three sizes (RFC 8301 section 3.2) and Ed25519 (RFC 8463). */
public enum KeyAlgorithm {
    RSA_2048("rsa-2048", SigningAlgorithm.RSA_SHA256, 2048),
    RSA_3072("rsa-3072", SigningAlgorithm.RSA_SHA256, 3072),
    RSA_4096("rsa-4096", SigningAlgorithm.RSA_SHA256, 4096),
    ED25519("ed25519", SigningAlgorithm.ED25519_SHA256, 256);

    private final String text;
    private final SigningAlgorithm signingAlgorithm;
    private final int bits;

    KeyAlgorithm(String text, SigningAlgorithm signingAlgorithm, int bits) {
        this.text = text;
        this.signingAlgorithm = signingAlgorithm;
        this.bits = bits;
    }

    /** The name used on the command line, for example {@code rsa-2048}. */
    public String text() {
        return text;
    }

    public SigningAlgorithm signingAlgorithm() {
        return signingAlgorithm;
    }

    public int bits() {
        return bits;
    }

    /** Parses {@code rsa-2048}, {@code rsa-3072}, {@code rsa-4096} or {@code ed25519}. */
    public static KeyAlgorithm parse(String s) {
        String n = s.strip().toLowerCase(Locale.ROOT);
        for (KeyAlgorithm a : values()) {
            if (a.text.equals(n)) {
                return a;
            }
        }
        throw new IllegalArgumentException("algorithm: '" + s + "' is not one of "
                + Arrays.stream(values()).map(KeyAlgorithm::text).collect(Collectors.joining(", ")));
    }

    /** The generation choice that matches an existing key, for rotating to a key of the same kind. */
    public static KeyAlgorithm of(SigningKey key) {
        if (key.algorithm() == SigningAlgorithm.ED25519_SHA256) {
            return ED25519;
        }
        return switch (key.bits()) {
            case 3072 -> RSA_3072;
            case 4096 -> RSA_4096;
            default -> RSA_2048;
        };
    }

    /** Makes a new random key of this kind. */
    public SigningKey generate(SecureRandom random) {
        if (signingAlgorithm == SigningAlgorithm.ED25519_SHA256) {
            return new SigningKey.Ed25519(new Ed25519PrivateKeyParameters(random));
        }
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(bits, random);
            KeyPair pair = g.generateKeyPair();
            return new SigningKey.Rsa((RSAPrivateCrtKey) pair.getPrivate(), pair.getPublic());
        } catch (GeneralSecurityException e) {
            throw new KeyException("cannot generate " + text + " key: " + e.getMessage(), e);
        }
    }
}
