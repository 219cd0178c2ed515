package works.cast.relay.server.smtp;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.SelfSignedCertificate;
import java.io.File;
import java.security.cert.CertificateException;
import javax.net.ssl.SSLException;

/** A self-signed server certificate made at test time (BouncyCastle), never stored. */
final class TestTls {

    private static SelfSignedCertificate certificate;

    private TestTls() {
    }

    static synchronized SelfSignedCertificate certificate() {
        if (certificate == null) {
            try {
                certificate = new SelfSignedCertificate("relay.test");
            } catch (CertificateException e) {
                throw new IllegalStateException(e);
            }
        }
        return certificate;
    }

    static SslContext serverContext() {
        try {
            return SslContextBuilder.forServer(certificate().certificate(), certificate().privateKey()).build();
        } catch (SSLException e) {
            throw new IllegalStateException(e);
        }
    }

    static File certificateFile() {
        return certificate().certificate();
    }
}
