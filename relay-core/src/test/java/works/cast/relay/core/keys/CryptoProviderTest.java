package works.cast.relay.core.keys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.RSAPrivateCrtKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * RSA signatures by ACCP equal the JDK's byte for byte (PKCS#1 v1.5 is deterministic) and verify. ACCP is on the
 * test class path as it is in the relay jar, so it is in use on Linux x86-64 (CI requires it, on every JDK it runs).
 */
class CryptoProviderTest {

    private static KeyPair rsa(int bits) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(bits);
        return g.generateKeyPair();
    }

    private static void assumeAccp() {
        if ("true".equals(System.getenv("CI"))) {
            assertTrue(CryptoProvider.accp(), "CI runs the relay's RSA on ACCP: " + CryptoProvider.describe());
        }
        assumeTrue(CryptoProvider.accp(), CryptoProvider.describe());
    }

    @Test
    void describesTheProvider() {
        String d = CryptoProvider.describe();
        assertTrue(d.equals("accp 2.5.0") || d.startsWith("jdk ("), d);
        assertEquals(CryptoProvider.accp(), d.startsWith("accp "), d);
    }

    @Test
    void aMissingProviderLeavesTheJdkWithItsReason() {
        CryptoProvider.Loaded missing = CryptoProvider.load("com.example.NoSuchProvider");
        assertTrue(missing.provider().isEmpty());
        assertEquals("jdk (ACCP is not in the jar)", missing.description());
        CryptoProvider.Loaded notAProvider = CryptoProvider.load(String.class.getName());
        assertTrue(notAProvider.provider().isEmpty());
        assertTrue(notAProvider.description().startsWith("jdk (ACCP did not load: java.lang.NoSuchFieldException"),
                notAProvider.description());
    }

    @Test
    void theProviderIsNotInstalledForTheRestOfTheJvm() throws Exception {
        assumeAccp();
        KeyPair pair = rsa(1024);
        new SigningKey.Rsa((RSAPrivateCrtKey) pair.getPrivate(), pair.getPublic()).sign(new byte[] {1});
        assertEquals(null, java.security.Security.getProvider("AmazonCorrettoCryptoProvider"));
        assertEquals("SunRsaSign", Signature.getInstance("SHA256withRSA").getProvider().getName());
    }

    @Test
    void aNativeSignerThatDiffersFromTheJdkOrFailsIsNotUsed() throws Exception {
        KeyPair pair = rsa(1024);
        RawSigner jdk = new CryptoProvider.JdkSigner((RSAPrivateCrtKey) pair.getPrivate());
        assertSame(jdk, CryptoProvider.checked(Optional.empty(), jdk));
        RawSigner wrong = data -> {
            byte[] sig = jdk.sign(data);
            sig[sig.length - 1] ^= 1;
            return sig;
        };
        assertSame(jdk, CryptoProvider.checked(Optional.of(wrong), jdk), "a different signature: the JDK signs");
        RawSigner broken = data -> {
            throw new KeyException("ACCP RSA signing failed: test");
        };
        assertSame(jdk, CryptoProvider.checked(Optional.of(broken), jdk), "a failing check: the JDK signs");
    }

    @Test
    void aMessageTheNativeSignerFailsIsSignedByTheJdk() throws Exception {
        KeyPair pair = rsa(1024);
        RawSigner jdk = new CryptoProvider.JdkSigner((RSAPrivateCrtKey) pair.getPrivate());
        byte[] failing = "this one fails".getBytes();
        RawSigner flaky = data -> {
            if (Arrays.equals(data, failing)) {
                throw new KeyException("ACCP RSA signing failed: test");
            }
            return jdk.sign(data);
        };
        RawSigner s = CryptoProvider.checked(Optional.of(flaky), jdk);
        assertNotSame(jdk, s, "the check passed");
        assertArrayEquals(jdk.sign(failing), s.sign(failing));
        assertArrayEquals(jdk.sign(new byte[] {1}), s.sign(new byte[] {1}));
    }

    @ParameterizedTest
    @ValueSource(ints = {1024, 2048, 3072, 4096})
    void accpSignaturesEqualTheJdksAndVerify(int bits) throws Exception {
        assumeAccp();
        KeyPair pair = rsa(bits);
        RSAPrivateCrtKey priv = (RSAPrivateCrtKey) pair.getPrivate();
        RawSigner engine = CryptoProvider.signer(priv);
        assertTrue(!(engine instanceof CryptoProvider.JdkSigner), "the key passed its check and signs with ACCP");
        RawSigner jdk = new CryptoProvider.JdkSigner(priv);
        Random random = new Random(bits);
        for (int len : new int[] {0, 1, 31, 32, 33, 600, 4096, 100_000}) {
            byte[] data = new byte[len];
            random.nextBytes(data);
            byte[] sig = engine.sign(data);
            assertEquals(bits / 8, sig.length);
            assertArrayEquals(jdk.sign(data), sig, "length " + len);
            Signature v = Signature.getInstance("SHA256withRSA");
            v.initVerify(pair.getPublic());
            v.update(data);
            assertTrue(v.verify(sig));
        }
    }

    @Test
    void aSigningKeySignsWithAccpAndStillEqualsTheSameKeyPair() throws Exception {
        assumeAccp();
        KeyPair pair = rsa(2048);
        SigningKey.Rsa a = new SigningKey.Rsa((RSAPrivateCrtKey) pair.getPrivate(), pair.getPublic());
        SigningKey.Rsa b = new SigningKey.Rsa((RSAPrivateCrtKey) pair.getPrivate(), pair.getPublic());
        byte[] data = "from:a@cast.works\r\n".getBytes();
        assertArrayEquals(new CryptoProvider.JdkSigner(a.privateKey()).sign(data), a.sign(data));
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
    }

    /** RFC 8032 Ed25519 is deterministic: ACCP's signatures are BouncyCastle's, byte for byte, and verify. */
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 5})
    void ed25519ByAccpIsBouncyCastlesSignature(int seedByte) throws Exception {
        assumeAccp();
        byte[] seed = new byte[32];
        new Random(seedByte).nextBytes(seed);
        SigningKey.Ed25519 key = SigningKey.Ed25519.fromSeed(seed);
        byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(("h" + seedByte).getBytes());
        Optional<RawSigner> accp = CryptoProvider.Ed25519ProviderSigner.of(
                (java.security.Provider) Class.forName(CryptoProvider.ACCP_CLASS).getField("INSTANCE").get(null), seed);
        assertTrue(accp.isPresent(), "ACCP 2.5.0 signs Ed25519");
        assertArrayEquals(key.signPortable(digest), accp.get().sign(digest));
        byte[] headerData = ("from:a@cast.works\r\n" + seedByte).getBytes();
        byte[] sig = key.sign(headerData);
        org.bouncycastle.crypto.params.Ed25519PublicKeyParameters pub = key.privateKey().generatePublicKey();
        byte[] hash = java.security.MessageDigest.getInstance("SHA-256").digest(headerData);
        assertTrue(pub.verify(org.bouncycastle.math.ec.rfc8032.Ed25519.Algorithm.Ed25519, null, hash, 0, hash.length,
                sig, 0));
        assertEquals(key, SigningKey.Ed25519.fromSeed(seed));
    }

    @Test
    void threadsShareOneKey() throws Exception {
        assumeAccp();
        KeyPair pair = rsa(2048);
        SigningKey.Rsa key = new SigningKey.Rsa((RSAPrivateCrtKey) pair.getPrivate(), pair.getPublic());
        RawSigner jdk = new CryptoProvider.JdkSigner(key.privateKey());
        List<byte[]> data = new ArrayList<>();
        List<byte[]> expected = new ArrayList<>();
        Random random = new Random(7);
        for (int i = 0; i < 16; i++) {
            byte[] d = new byte[200 + i];
            random.nextBytes(d);
            data.add(d);
            expected.add(jdk.sign(d));
        }
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 6; t++) {
                int offset = t;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < 80; i++) {
                        int k = (i + offset) % data.size();
                        assertArrayEquals(expected.get(k), key.sign(data.get(k)));
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
