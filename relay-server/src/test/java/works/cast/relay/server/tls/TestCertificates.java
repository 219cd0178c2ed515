package works.cast.relay.server.tls;

import java.io.IOException;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Test-only self-signed certificates for localhost, written as PEM files at test time. */
public final class TestCertificates {

    /** Key encodings the relay reads. */
    public enum KeyFormat { PKCS8, TRADITIONAL }

    /** Paths of a written certificate and key. */
    public record CertFiles(Path certificate, Path privateKey) {
    }

    private TestCertificates() {
    }

    /** An EC P-256 certificate for CN=localhost (SAN localhost, 127.0.0.1) with a PKCS#8 key, mode 0600. */
    public static CertFiles ec(Path dir) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return write(dir, "ec", g.generateKeyPair(), "SHA256withECDSA", KeyFormat.PKCS8);
    }

    /** An RSA 2048 certificate with the key in the given encoding. */
    public static CertFiles rsa(Path dir, KeyFormat format) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        return write(dir, "rsa", g.generateKeyPair(), "SHA256withRSA", format);
    }

    private static CertFiles write(Path dir, String name, KeyPair pair, String algorithm, KeyFormat format)
            throws Exception {
        Instant now = Instant.now();
        X500Name subject = new X500Name("CN=localhost");
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, BigInteger.valueOf(now.toEpochMilli()),
                Date.from(now.minus(Duration.ofDays(1))), Date.from(now.plus(Duration.ofDays(30))), subject,
                pair.getPublic());
        builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
            new GeneralName(GeneralName.dNSName, "localhost"), new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
        var cert = new JcaX509CertificateConverter()
                .getCertificate(builder.build(new JcaContentSignerBuilder(algorithm).build(pair.getPrivate())));
        Path certFile = dir.resolve(name + "-cert.pem");
        Path keyFile = dir.resolve(name + "-key.pem");
        pem(certFile, cert);
        pem(keyFile, format == KeyFormat.PKCS8 ? new JcaPKCS8Generator(pair.getPrivate(), null) : pair);
        Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-------"));
        return new CertFiles(certFile, keyFile);
    }

    private static void pem(Path file, Object object) throws IOException {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.US_ASCII);
             JcaPEMWriter pem = new JcaPEMWriter(w)) {
            pem.writeObject(object);
        }
    }
}
