package works.cast.relay.core.interop;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;

/**
 * Signing keys generated at test time (never committed), with their PEM files and DKIM DNS records
 * (RFC 6376 §3.6.1; Ed25519 public key as the raw 32 bytes, RFC 8463 §4).
 *
 * <pre>
 * TestKeys keys = TestKeys.shared();
 * keys.rsa().pemFile();      // PKCS#8 PEM, "BEGIN PRIVATE KEY"
 * keys.rsa().dnsRecord();    // "v=DKIM1; k=rsa; p=MIIBIjAN..."
 * keys.ed25519().dnsRecord(); // "v=DKIM1; k=ed25519; p=&lt;44 base64 chars&gt;"
 * </pre>
 */
public final class TestKeys {

    private static final int RSA_BITS = 2048;
    private static final int ED25519_RAW_KEY_BYTES = 32;

    private final GeneratedKey rsa;
    private final GeneratedKey ed25519;

    private TestKeys(GeneratedKey rsa, GeneratedKey ed25519) {
        this.rsa = rsa;
        this.ed25519 = ed25519;
    }

    /** Generates a fresh RSA-2048 and Ed25519 key pair and writes {@code rsa.pem} and {@code ed25519.pem}. */
    public static TestKeys generate(Path directory) {
        try {
            Files.createDirectories(directory);
            KeyPair rsaPair = keyPair("RSA", RSA_BITS);
            KeyPair edPair = keyPair("Ed25519", 0);
            GeneratedKey rsa = new GeneratedKey("rsa-sha256", rsaPair,
                    writePkcs8Pem(rsaPair.getPrivate(), directory.resolve("rsa.pem")), rsaDnsRecord(rsaPair.getPublic()));
            GeneratedKey ed = new GeneratedKey("ed25519-sha256", edPair,
                    writePkcs8Pem(edPair.getPrivate(), directory.resolve("ed25519.pem")),
                    ed25519DnsRecord(edPair.getPublic()));
            return new TestKeys(rsa, ed);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write test keys to " + directory, e);
        }
    }

    /** One set of keys per JVM, in a temporary directory removed at exit; RSA generation is slow. */
    public static TestKeys shared() {
        return SharedHolder.KEYS;
    }

    public GeneratedKey rsa() {
        return rsa;
    }

    public GeneratedKey ed25519() {
        return ed25519;
    }

    /**
     * The key map for {@link Dkimpy#verify}: the RSA record at {@code rsaSelector} and the Ed25519 record at
     * {@code ed25519Selector}, both under {@code domain}.
     */
    public Map<String, String> dnsRecords(String domain, String rsaSelector, String ed25519Selector) {
        return Map.of(Dkimpy.dnsName(rsaSelector, domain), rsa.dnsRecord(),
                Dkimpy.dnsName(ed25519Selector, domain), ed25519.dnsRecord());
    }

    /** {@code v=DKIM1; k=rsa; p=<base64 SubjectPublicKeyInfo>}. */
    public static String rsaDnsRecord(PublicKey publicKey) {
        if (!publicKey.getAlgorithm().equals("RSA")) {
            throw new IllegalArgumentException("publicKey: not RSA but " + publicKey.getAlgorithm());
        }
        return "v=DKIM1; k=rsa; p=" + Base64.getEncoder().encodeToString(publicKey.getEncoded());
    }

    /** {@code v=DKIM1; k=ed25519; p=<base64 raw 32-byte key>}: the raw key ends the X.509 encoding (RFC 8410). */
    public static String ed25519DnsRecord(PublicKey publicKey) {
        return "v=DKIM1; k=ed25519; p=" + Base64.getEncoder().encodeToString(rawEd25519(publicKey));
    }

    /** The raw 32-byte Ed25519 public key (RFC 8032 §5.1.5). */
    public static byte[] rawEd25519(PublicKey publicKey) {
        String algorithm = publicKey.getAlgorithm();
        if (!algorithm.equals("Ed25519") && !algorithm.equals("EdDSA")) {
            throw new IllegalArgumentException("publicKey: not Ed25519 but " + algorithm);
        }
        byte[] encoded = publicKey.getEncoded();
        return Arrays.copyOfRange(encoded, encoded.length - ED25519_RAW_KEY_BYTES, encoded.length);
    }

    /** Writes the PKCS#8 encoding as PEM ({@code BEGIN PRIVATE KEY}, 64-column base64, LF line ends). */
    public static Path writePkcs8Pem(PrivateKey privateKey, Path file) throws IOException {
        if (!"PKCS#8".equals(privateKey.getFormat())) {
            throw new IllegalArgumentException("privateKey: encoding is " + privateKey.getFormat() + ", not PKCS#8");
        }
        String base64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(privateKey.getEncoded());
        String pem = "-----BEGIN PRIVATE KEY-----\n" + base64 + "\n-----END PRIVATE KEY-----\n";
        return Files.writeString(file, pem, StandardCharsets.US_ASCII);
    }

    private static KeyPair keyPair(String algorithm, int bits) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
            if (bits > 0) {
                generator.initialize(bits);
            }
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("JDK cannot generate " + algorithm + " keys", e);
        }
    }

    /**
     * A generated key pair with its files and record.
     *
     * @param algorithm the DKIM {@code a=} value it signs with
     * @param keyPair   the JDK key pair
     * @param pemFile   the private key, PEM PKCS#8
     * @param dnsRecord the TXT record to publish at {@code <selector>._domainkey.<domain>}
     */
    public record GeneratedKey(String algorithm, KeyPair keyPair, Path pemFile, String dnsRecord) {

        public GeneratedKey {
            Objects.requireNonNull(algorithm, "algorithm");
            Objects.requireNonNull(keyPair, "keyPair");
            Objects.requireNonNull(pemFile, "pemFile");
            Objects.requireNonNull(dnsRecord, "dnsRecord");
        }

        public PrivateKey privateKey() {
            return keyPair.getPrivate();
        }

        public PublicKey publicKey() {
            return keyPair.getPublic();
        }
    }

    private static final class SharedHolder {
        static final TestKeys KEYS = generateInTemporaryDirectory();

        private static TestKeys generateInTemporaryDirectory() {
            try {
                Path directory = Files.createTempDirectory("dkim-test-keys-");
                directory.toFile().deleteOnExit();
                TestKeys keys = generate(directory);
                keys.rsa().pemFile().toFile().deleteOnExit();
                keys.ed25519().pemFile().toFile().deleteOnExit();
                return keys;
            } catch (IOException e) {
                throw new UncheckedIOException("could not create a directory for test keys", e);
            }
        }
    }
}
