package works.cast.relay.bench;

import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.RSAPrivateCrtKey;
import java.time.Clock;
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
import works.cast.relay.core.keys.RsaEngine;
import works.cast.relay.core.keys.SigningKey;
import works.cast.relay.core.mail.Domain;
import works.cast.relay.core.mail.HeaderField;

/**
 * Whole-message signing of a 4 KB message (read, hash the body, choose headers, hash them, sign, render the field)
 * beside a bare signature loop with the same key: RSA by the engine the relay uses (OpenSSL, as the JVM is forked
 * with the options of {@code bin/dkim-relay run}) and by the JDK's SHA256withRSA, over 600 bytes; BouncyCastle
 * Ed25519 over a 32-byte digest. Scores are signatures per second on one thread.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.foreign", "--enable-native-access=ALL-UNNAMED"})
public class SigningBenchmark {

    byte[] message;
    byte[] headerData;
    byte[] digest;
    SigningKey rsa;
    SigningKey.Ed25519 ed;
    RSAPrivateCrtKey rsaPrivate;
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
        System.err.println("RSA engine: " + RsaEngine.describe());
        ed = new SigningKey.Ed25519(new Ed25519PrivateKeyParameters(new java.security.SecureRandom()));
        signer = new DkimSigner(Clock.systemUTC());
        domain = new Domain("cast.works");
        headerData = new byte[600];
        new java.util.Random(3).nextBytes(headerData);
        digest = java.security.MessageDigest.getInstance("SHA-256").digest(headerData);
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
    public byte[] ed25519Bare() {
        byte[] sig = new byte[Ed25519.SIGNATURE_SIZE];
        ed.privateKey().sign(Ed25519.Algorithm.Ed25519, null, digest, 0, digest.length, sig, 0);
        return sig;
    }
}
