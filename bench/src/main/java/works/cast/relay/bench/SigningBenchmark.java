package works.cast.relay.bench;

import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.Signature;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Clock;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.math.ec.rfc8032.Ed25519;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import works.cast.relay.core.dkim.DkimSigner;
import works.cast.relay.core.dkim.MessageHasher;
import works.cast.relay.core.dkim.SigningRequest;
import works.cast.relay.core.dkim.canon.Canonicalization;
import works.cast.relay.core.keys.CryptoProvider;
import works.cast.relay.core.keys.SigningKey;
import works.cast.relay.core.mail.Domain;
import works.cast.relay.core.mail.HeaderField;

/**
 * Whole-message signing of a 4 KB message (read, hash the body, choose headers, hash them, sign, render the field)
 * beside a bare signature loop with the same key: RSA by the provider the relay uses (ACCP; the JDK with
 * {@code -jvmArgsAppend -Ddkim-relay.accp=false}) and by the JDK's SHA256withRSA, over 600 bytes; Ed25519 over a
 * 32-byte digest by BouncyCastle (what the relay uses) and by ACCP. Scores are signatures per second on one thread.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class SigningBenchmark {

    byte[] message;
    byte[] headerData;
    byte[] digest;
    SigningKey rsa;
    SigningKey.Ed25519 ed;
    RSAPrivateCrtKey rsaPrivate;
    Provider accp;
    PrivateKey edJdk;
    DkimSigner signer;
    Domain domain;

    @Setup
    public void setUp() throws Exception {
        String headers = "From: Cast Works <noreply@cast.works>\r\nTo: Customer <someone@example.net>\r\n"
                + "Subject: Your order 12345 has shipped\r\nDate: Sat, 28 Nov 2026 10:00:00 +0900\r\n"
                + "Message-ID: <20261128100000.12345@app1.cast.works>\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n";
        byte[] body = BodyHashBenchmark.textBody(4096 - headers.length(), 2);
        byte[] h = headers.getBytes(StandardCharsets.US_ASCII);
        message = new byte[h.length + body.length];
        System.arraycopy(h, 0, message, 0, h.length);
        System.arraycopy(body, 0, message, h.length, body.length);
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        var pair = g.generateKeyPair();
        rsaPrivate = (RSAPrivateCrtKey) pair.getPrivate();
        rsa = new SigningKey.Rsa(rsaPrivate, pair.getPublic());
        System.err.println("RSA provider: " + CryptoProvider.describe());
        ed = new SigningKey.Ed25519(new Ed25519PrivateKeyParameters(new java.security.SecureRandom()));
        signer = new DkimSigner(Clock.systemUTC());
        domain = new Domain("cast.works");
        headerData = new byte[600];
        new java.util.Random(3).nextBytes(headerData);
        digest = java.security.MessageDigest.getInstance("SHA-256").digest(headerData);
        accp = (Provider) Class.forName("com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider")
                .getField("INSTANCE").get(null);
        byte[] pkcs8 = HexFormat.of().parseHex("302e020100300506032b657004220420" + HexFormat.of().formatHex(
                ed.privateKey().getEncoded()));
        edJdk = KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
        if (!Arrays.equals(ed25519Bare(), ed25519AccpBare())) {
            throw new IllegalStateException("ACCP's Ed25519 signature differs from BouncyCastle's");
        }
    }

    private HeaderField signMessage(SigningKey key) {
        MessageHasher hasher = new MessageHasher(Set.of(Canonicalization.RELAXED), 1 << 20);
        hasher.update(message, 0, message.length);
        return signer.sign(SigningRequest.of(domain, "s1", key), hasher.finish());
    }

    @Benchmark
    public HeaderField rsa2048Message() {
        return signMessage(rsa);
    }

    @Benchmark
    public byte[] rsa2048Bare() {
        return rsa.sign(headerData);
    }

    @Benchmark
    public byte[] rsa2048JdkBare() throws Exception {
        Signature s = Signature.getInstance("SHA256withRSA");
        s.initSign(rsaPrivate);
        s.update(headerData);
        return s.sign();
    }

    @Benchmark
    public HeaderField ed25519Message() {
        return signMessage(ed);
    }

    @Benchmark
    public byte[] ed25519AccpBare() throws Exception {
        Signature s = Signature.getInstance("Ed25519", accp);
        s.initSign(edJdk);
        s.update(digest);
        return s.sign();
    }

    @Benchmark
    public byte[] ed25519Bare() {
        byte[] sig = new byte[Ed25519.SIGNATURE_SIZE];
        ed.privateKey().sign(Ed25519.Algorithm.Ed25519, null, digest, 0, digest.length, sig, 0);
        return sig;
    }
}
