package works.cast.relay.server.delivery.tls;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The certificate authorities the MX policies trust: the JDK's trust store plus the PEM bundle of
 * {@code delivery.mx.trust-store}. Checks a server's chain and name as MTA-STS requires (RFC 8461 section 4.1:
 * a chain to a trusted root, a name matching the MX host) and gives the TLS context of the policy fetch. Immutable.
 */
public final class PeerTrust {

    private final X509TrustManager trustManager;
    private final int extraCertificates;

    private PeerTrust(X509TrustManager trustManager, int extraCertificates) {
        this.trustManager = trustManager;
        this.extraCertificates = extraCertificates;
    }

    /** The JDK's trust store plus the certificates of {@code pemBundle}. */
    public static PeerTrust of(Optional<Path> pemBundle) throws IOException {
        try {
            TrustManagerFactory jdk = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            jdk.init((KeyStore) null);
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int i = 0;
            for (X509Certificate c : x509(jdk).getAcceptedIssuers()) {
                store.setCertificateEntry("jdk-" + i++, c);
            }
            int extra = 0;
            if (pemBundle.isPresent()) {
                for (X509Certificate c : certificates(pemBundle.get())) {
                    store.setCertificateEntry("bundle-" + extra++, c);
                }
            }
            TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            f.init(store);
            return new PeerTrust(x509(f), extra);
        } catch (GeneralSecurityException e) {
            throw new IOException("trust store: " + e.getMessage(), e);
        }
    }

    private static X509TrustManager x509(TrustManagerFactory f) {
        for (TrustManager t : f.getTrustManagers()) {
            if (t instanceof X509TrustManager x) {
                return x;
            }
        }
        throw new IllegalStateException("no X.509 trust manager");
    }

    /** The certificates of a PEM bundle; a file with none is an error. */
    static List<X509Certificate> certificates(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            List<X509Certificate> out = new java.util.ArrayList<>();
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                out.add((X509Certificate) c);
            }
            if (out.isEmpty()) {
                throw new IOException("trust store " + file + ": no certificate");
            }
            return out;
        } catch (CertificateException e) {
            throw new IOException("trust store " + file + ": " + e.getMessage(), e);
        }
    }

    /** Certificates added by the PEM bundle. */
    public int extraCertificates() {
        return extraCertificates;
    }

    /** A TLS 1.2+ client context trusting these authorities (for the MTA-STS policy fetch). */
    SSLContext sslContext() {
        try {
            SSLContext c = SSLContext.getInstance("TLS");
            c.init(null, new TrustManager[] {trustManager}, null);
            return c;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("tls context: " + e.getMessage(), e);
        }
    }

    /**
     * Checks a server's certificate chain (leaf first) and its name; null when it passes, else the failure with
     * its RFC 8460 result type.
     */
    TlsFailure check(List<X509Certificate> chain, String host) {
        if (chain.isEmpty()) {
            return new TlsFailure(TlsFailure.VALIDATION_FAILURE, "no certificate");
        }
        X509Certificate leaf = chain.get(0);
        try {
            leaf.checkValidity();
        } catch (CertificateExpiredException | CertificateNotYetValidException e) {
            return new TlsFailure(TlsFailure.CERTIFICATE_EXPIRED, "certificate not valid now: " + e.getMessage());
        }
        try {
            trustManager.checkServerTrusted(chain.toArray(new X509Certificate[0]), "UNKNOWN");
        } catch (CertificateException e) {
            return new TlsFailure(TlsFailure.VALIDATION_FAILURE, "certificate not trusted: " + e.getMessage());
        }
        if (!HostNames.matches(leaf, host)) {
            return new TlsFailure(TlsFailure.CERTIFICATE_HOST_MISMATCH, "certificate names "
                    + HostNames.dnsNames(leaf) + ", not " + host);
        }
        return null;
    }
}
