package works.cast.relay.server.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import works.cast.relay.server.config.TlsConfig;

class TlsContextsTest {

    @TempDir
    static Path dir;
    static TestCertificates.CertFiles ec;

    @BeforeAll
    static void certificates() throws Exception {
        ec = TestCertificates.ec(dir);
    }

    private static TlsConfig config(TestCertificates.CertFiles files, TlsConfig.Profile profile,
                                    List<String> protocols, List<String> ciphers) {
        return new TlsConfig(Optional.of(files.certificate()), Optional.of(files.privateKey()), profile,
                Optional.ofNullable(protocols), Optional.ofNullable(ciphers));
    }

    private static SslContext client(String... protocols) throws SSLException {
        return SslContextBuilder.forClient().sslProvider(SslProvider.JDK)
                .trustManager(InsecureTrustManagerFactory.INSTANCE).endpointIdentificationAlgorithm(null)
                .protocols(protocols).build();
    }

    private static String handshake(SslContext client, SslContext server) throws SSLException {
        return Handshakes.run(client.newEngine(ByteBufAllocator.DEFAULT), server.newEngine(ByteBufAllocator.DEFAULT));
    }

    @Test
    void modernNegotiatesOnlyTls13() throws Exception {
        SslContext server = TlsContexts.server(config(ec, TlsConfig.Profile.MODERN, null, null));
        assertEquals("TLSv1.3", handshake(client("TLSv1.3", "TLSv1.2"), server));
        assertThrows(SSLException.class, () -> handshake(client("TLSv1.2"), server));
    }

    @Test
    void intermediateNegotiatesTls12AndTls13() throws Exception {
        SslContext server = TlsContexts.server(config(ec, TlsConfig.Profile.INTERMEDIATE, null, null));
        assertEquals("TLSv1.3", handshake(client("TLSv1.3", "TLSv1.2"), server));
        assertEquals("TLSv1.2", handshake(client("TLSv1.2"), server));
        SSLEngine engine = server.newEngine(ByteBufAllocator.DEFAULT);
        assertEquals(List.of("TLSv1.2", "TLSv1.3"), List.of(engine.getEnabledProtocols()).stream().sorted().toList());
        for (String suite : engine.getEnabledCipherSuites()) {
            assertTrue(suite.startsWith("TLS_ECDHE_") || suite.startsWith("TLS_AES_")
                    || suite.startsWith("TLS_CHACHA20_"), suite);
            assertTrue(suite.contains("GCM") || suite.contains("CHACHA20"), suite);
        }
    }

    @Test
    void legacyProfileListsOldProtocolsAndCbcSuites() {
        // Not built here: building a legacy context edits a JVM-wide security property (see the fresh JVM test).
        TlsConfig legacy = config(ec, TlsConfig.Profile.LEGACY, null, null);
        assertEquals(List.of("TLSv1.3", "TLSv1.2", "TLSv1.1", "TLSv1"), TlsContexts.protocols(legacy));
        assertTrue(TlsContexts.ciphers(legacy).containsAll(TlsContexts.ciphers(
                config(ec, TlsConfig.Profile.INTERMEDIATE, null, null))));
        assertTrue(TlsContexts.ciphers(legacy).contains("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"));
        assertEquals(List.of("TLSv1.2"), TlsContexts.protocols(config(ec, TlsConfig.Profile.LEGACY, List.of("TLSv1.2"), null)));
    }

    @Test
    void legacyNegotiatesTls10InAFreshJvm() throws Exception {
        assertEquals("negotiated=TLSv1", runLegacy("TLSv1"));
        assertEquals("negotiated=TLSv1.1", runLegacy("TLSv1.1"));
    }

    private static String runLegacy(String protocol) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                LegacyHandshakeMain.class.getName(), protocol).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child JVM did not finish");
        assertEquals(0, p.exitValue(), out);
        return out.lines().filter(l -> l.startsWith("negotiated=")).findFirst().orElse(out);
    }

    @Test
    void explicitProtocolsAndCiphersOverrideTheProfile() throws Exception {
        SslContext server = TlsContexts.server(config(ec, TlsConfig.Profile.MODERN, List.of("TLSv1.2"),
                List.of("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384")));
        SSLEngine client = client("TLSv1.3", "TLSv1.2").newEngine(ByteBufAllocator.DEFAULT);
        SSLEngine engine = server.newEngine(ByteBufAllocator.DEFAULT);
        assertEquals("TLSv1.2", Handshakes.run(client, engine));
        assertEquals("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", client.getSession().getCipherSuite());
    }

    @Test
    void rsaKeysInPkcs1AndPkcs8Load() throws Exception {
        for (TestCertificates.KeyFormat format : TestCertificates.KeyFormat.values()) {
            Path sub = Files.createDirectories(dir.resolve(format.name()));
            TestCertificates.CertFiles rsa = TestCertificates.rsa(sub, format);
            String firstLine = Files.readAllLines(rsa.privateKey()).get(0);
            assertEquals(format == TestCertificates.KeyFormat.PKCS8 ? "-----BEGIN PRIVATE KEY-----"
                    : "-----BEGIN RSA PRIVATE KEY-----", firstLine);
            SslContext server = TlsContexts.server(config(rsa, TlsConfig.Profile.INTERMEDIATE, null, null));
            assertEquals("TLSv1.3", handshake(client("TLSv1.3"), server));
        }
    }

    @Test
    void clientVerifiesAgainstTrustStore() throws Exception {
        SslContext server = TlsContexts.server(config(ec, TlsConfig.Profile.INTERMEDIATE, null, null));
        SslContext trusting = TlsContexts.client(Optional.of(ec.certificate()), true);
        assertEquals("TLSv1.3", Handshakes.run(trusting.newEngine(ByteBufAllocator.DEFAULT, "localhost", 25),
                server.newEngine(ByteBufAllocator.DEFAULT)));
        SslContext defaultTrust = TlsContexts.client(Optional.empty(), true);
        assertThrows(SSLException.class, () -> Handshakes.run(
                defaultTrust.newEngine(ByteBufAllocator.DEFAULT, "localhost", 25),
                server.newEngine(ByteBufAllocator.DEFAULT)));
        SslContext wrongName = TlsContexts.client(Optional.of(ec.certificate()), true);
        assertThrows(SSLException.class, () -> Handshakes.run(
                wrongName.newEngine(ByteBufAllocator.DEFAULT, "mail.example.org", 25),
                server.newEngine(ByteBufAllocator.DEFAULT)));
        SslContext insecure = TlsContexts.client(Optional.empty(), false);
        assertEquals("TLSv1.3", Handshakes.run(insecure.newEngine(ByteBufAllocator.DEFAULT, "mail.example.org", 25),
                server.newEngine(ByteBufAllocator.DEFAULT)));
    }

    @Test
    void badFilesNameTheFile() throws Exception {
        Path junk = Files.writeString(dir.resolve("junk.pem"), "not pem\n");
        IOException e = assertThrows(IOException.class, () -> TlsContexts.server(
                new TlsConfig(Optional.of(ec.certificate()), Optional.of(junk), TlsConfig.Profile.MODERN,
                        Optional.empty(), Optional.empty())));
        assertEquals("private key " + junk + ": no PEM private key found", e.getMessage());
        e = assertThrows(IOException.class, () -> TlsContexts.server(
                new TlsConfig(Optional.of(junk), Optional.of(ec.privateKey()), TlsConfig.Profile.MODERN,
                        Optional.empty(), Optional.empty())));
        assertTrue(e.getMessage().startsWith("certificate " + junk + ": "), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TlsContexts.server(new TlsConfig(Optional.empty(),
                Optional.empty(), TlsConfig.Profile.MODERN, Optional.empty(), Optional.empty())));
    }
}
