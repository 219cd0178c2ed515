package works.cast.relay.server.delivery;

import java.io.IOException;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A test-only private CA (EC P-256) issuing server certificates for given DNS names, and self-signed ones; keys live
 * in memory only. {@link #writeCa} writes the CA certificate as a PEM bundle for {@code delivery.mx.trust-store}.
 */
final class TestPki {

    /** A server key and its chain, leaf first. */
    record Issued(KeyPair key, X509Certificate[] chain) {
        /** A TLS server context presenting this chain. */
        SSLContext serverContext() throws Exception {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("server", key.getPrivate(), new char[0], chain);
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, new char[0]);
            SSLContext c = SSLContext.getInstance("TLS");
            c.init(kmf.getKeyManagers(), null, null);
            return c;
        }
    }

    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

    private final KeyPair caKey;
    private final X509Certificate ca;

    TestPki() throws Exception {
        caKey = keyPair();
        X500Name name = new X500Name("CN=dkim-relay test CA");
        X509v3CertificateBuilder b = builder(name, name, caKey);
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        ca = sign(b, caKey);
    }

    X509Certificate ca() {
        return ca;
    }

    /** A certificate from this CA for the names. */
    Issued issue(String... dnsNames) throws Exception {
        KeyPair k = keyPair();
        X509v3CertificateBuilder b = builder(new X500Name("CN=dkim-relay test CA"), new X500Name("CN=" + dnsNames[0]),
                k);
        sans(b, dnsNames);
        return new Issued(k, new X509Certificate[] {sign(b, caKey), ca});
    }

    /** A certificate from this CA for the names that expired yesterday. */
    Issued issueExpired(String... dnsNames) throws Exception {
        KeyPair k = keyPair();
        Instant now = Instant.now();
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(new X500Name("CN=dkim-relay test CA"),
                BigInteger.valueOf(SERIAL.incrementAndGet()), Date.from(now.minus(Duration.ofDays(30))),
                Date.from(now.minus(Duration.ofDays(1))), new X500Name("CN=" + dnsNames[0]), k.getPublic());
        sans(b, dnsNames);
        return new Issued(k, new X509Certificate[] {sign(b, caKey), ca});
    }

    /** A self-signed certificate for the names. */
    static Issued selfSigned(String... dnsNames) throws Exception {
        KeyPair k = keyPair();
        X500Name n = new X500Name("CN=" + dnsNames[0]);
        X509v3CertificateBuilder b = builder(n, n, k);
        sans(b, dnsNames);
        return new Issued(k, new X509Certificate[] {sign(b, k)});
    }

    /** The CA certificate as a PEM file. */
    Path writeCa(Path file) throws IOException {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.US_ASCII); JcaPEMWriter pem = new JcaPEMWriter(w)) {
            pem.writeObject(ca);
        }
        return file;
    }

    private static void sans(X509v3CertificateBuilder b, String... names) throws Exception {
        GeneralName[] g = new GeneralName[names.length];
        for (int i = 0; i < names.length; i++) {
            g[i] = new GeneralName(names[i].matches("[0-9.]+") ? GeneralName.iPAddress : GeneralName.dNSName,
                    names[i]);
        }
        b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(g));
    }

    private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair k) {
        Instant now = Instant.now();
        return new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(SERIAL.incrementAndGet()),
                Date.from(now.minus(Duration.ofDays(1))), Date.from(now.plus(Duration.ofDays(30))), subject,
                k.getPublic());
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, KeyPair signer) throws Exception {
        return new JcaX509CertificateConverter().getCertificate(
                b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate())));
    }

    private static KeyPair keyPair() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }
}
