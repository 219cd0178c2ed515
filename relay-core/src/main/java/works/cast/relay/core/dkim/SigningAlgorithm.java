package works.cast.relay.core.dkim;

import java.util.Locale;

/** The DKIM signing algorithms the relay signs and verifies with (RFC 6376 section 3.3, RFC 8463, RFC 8301). */
public enum SigningAlgorithm {
    RSA_SHA256("rsa-sha256", "rsa"),
    ED25519_SHA256("ed25519-sha256", "ed25519");

    private final String tagValue;
    private final String keyType;

    SigningAlgorithm(String tagValue, String keyType) {
        this.tagValue = tagValue;
        this.keyType = keyType;
    }

    /** The value of the {@code a=} tag. */
    public String tagValue() {
        return tagValue;
    }

    /** The {@code k=} key type of the DNS record. */
    public String keyType() {
        return keyType;
    }

    public static SigningAlgorithm parse(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        for (SigningAlgorithm a : values()) {
            if (a.tagValue.equals(n)) {
                return a;
            }
        }
        if (n.equals("rsa-sha1")) {
            throw new IllegalArgumentException("algorithm rsa-sha1 is not allowed (RFC 8301); use rsa-sha256");
        }
        throw new IllegalArgumentException("unknown algorithm '" + name + "' (expected rsa-sha256 or ed25519-sha256)");
    }
}
