package works.cast.relay.server.tls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import works.cast.relay.server.config.TlsConfig;

/**
 * Test-only program run in a fresh JVM: the JDK reads {@code jdk.tls.disabledAlgorithms} once, so the legacy
 * profile can only be checked in a process where no TLS ran before. Prints the protocol a client limited to
 * {@code args[0]} negotiates with a legacy-profile server.
 */
public final class LegacyHandshakeMain {

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("legacy-tls");
        TestCertificates.CertFiles files = TestCertificates.rsa(dir, TestCertificates.KeyFormat.PKCS8);
        TlsConfig config = new TlsConfig(Optional.of(files.certificate()), Optional.of(files.privateKey()),
                TlsConfig.Profile.LEGACY, Optional.empty(), Optional.empty());
        TlsContexts.prepare(config);
        SslContext server = TlsContexts.server(config);
        SslContext client = SslContextBuilder.forClient().sslProvider(SslProvider.JDK)
                .trustManager(InsecureTrustManagerFactory.INSTANCE).endpointIdentificationAlgorithm(null)
                .protocols(List.of(args[0])).build();
        String protocol = Handshakes.run(client.newEngine(ByteBufAllocator.DEFAULT),
                server.newEngine(ByteBufAllocator.DEFAULT));
        System.out.println("negotiated=" + protocol);
        for (Path p : List.of(files.certificate(), files.privateKey(), dir)) {
            Files.deleteIfExists(p);
        }
    }
}
