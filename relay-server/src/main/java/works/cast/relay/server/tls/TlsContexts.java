package works.cast.relay.server.tls;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.Security;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import works.cast.relay.server.config.TlsConfig;

/**
 * Builds Netty {@link SslContext}s (JDK provider) for the SMTP listeners and the outbound client (RFC 8446,
 * RFC 5246; RFC 3207 STARTTLS). Profiles follow Mozilla's server side TLS recommendations:
 * <ul>
 *   <li>{@code modern}: TLS 1.3 only;</li>
 *   <li>{@code intermediate}: TLS 1.2 and 1.3, ECDHE with AES-GCM or ChaCha20-Poly1305;</li>
 *   <li>{@code legacy}: adds TLS 1.0 and 1.1 with ECDHE AES-CBC suites, for old clients only.</li>
 * </ul>
 * The JDK disables TLS 1.0 and 1.1 in the {@code jdk.tls.disabledAlgorithms} security property and reads that
 * property once, when TLS is first used: call {@link #prepare} at startup, before any other TLS code runs.
 */
public final class TlsContexts {

    private static final Logger log = LoggerFactory.getLogger(TlsContexts.class);
    private static final String DISABLED = "jdk.tls.disabledAlgorithms";

    /** TLS 1.3 suites (RFC 8446 appendix B.4). */
    public static final List<String> TLS13_CIPHERS = List.of(
            "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256");
    /** Mozilla intermediate TLS 1.2 suites, IANA names. */
    public static final List<String> TLS12_CIPHERS = List.of(
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");
    /** Extra suites for TLS 1.0 and 1.1 clients (GCM needs TLS 1.2). */
    public static final List<String> LEGACY_CIPHERS = List.of(
            "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
            "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
            "TLS_RSA_WITH_AES_128_GCM_SHA256", "TLS_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_RSA_WITH_AES_128_CBC_SHA", "TLS_RSA_WITH_AES_256_CBC_SHA");

    private TlsContexts() {
    }

    /**
     * Startup hook: when the configuration asks for TLS 1.0 or 1.1, removes them from the JDK's
     * {@code jdk.tls.disabledAlgorithms} (logged at WARN). Must run before the first TLS use in the JVM.
     */
    public static void prepare(TlsConfig config) {
        List<String> protocols = protocols(config);
        if (protocols.contains("TLSv1") || protocols.contains("TLSv1.1")) {
            allowLegacyProtocols();
        }
    }

    /** The server context for STARTTLS and implicit TLS listeners; needs certificate and private key. */
    public static SslContext server(TlsConfig config) throws IOException {
        Path certFile = config.certificate().orElseThrow(
                () -> new IllegalArgumentException("relay.tls.certificate is not set"));
        Path keyFile = config.privateKey().orElseThrow(
                () -> new IllegalArgumentException("relay.tls.private-key is not set"));
        prepare(config);
        List<X509Certificate> chain = PemFiles.certificates(certFile);
        PrivateKey key = PemFiles.privateKey(keyFile);
        List<String> protocols = protocols(config);
        SslContext context = SslContextBuilder.forServer(key, chain)
                .sslProvider(SslProvider.JDK)
                .protocols(protocols)
                .ciphers(ciphers(config), SupportedCipherSuiteFilter.INSTANCE)
                .build();
        log.info("tls server context profile={} protocols={} ciphers={} certificate={}",
                config.profile().name().toLowerCase(java.util.Locale.ROOT), protocols,
                context.cipherSuites().size(), certFile);
        return context;
    }

    /**
     * The outbound client context: TLS 1.2 and 1.3, trusting the PEM bundle {@code trustStore} or the JDK's
     * default trust store; {@code verify = false} accepts any certificate and host name (opportunistic TLS,
     * RFC 7435). With {@code verify}, pass the peer host to {@code newHandler(alloc, host, port)}.
     */
    public static SslContext client(Optional<Path> trustStore, boolean verify) throws IOException {
        SslContextBuilder builder = SslContextBuilder.forClient()
                .sslProvider(SslProvider.JDK)
                .protocols("TLSv1.3", "TLSv1.2");
        if (!verify) {
            builder.trustManager(InsecureTrustManagerFactory.INSTANCE).endpointIdentificationAlgorithm(null);
        } else {
            if (trustStore.isPresent()) {
                builder.trustManager(PemFiles.certificates(trustStore.get()));
            }
            builder.endpointIdentificationAlgorithm("HTTPS");
        }
        return builder.build();
    }

    /** The protocols of the profile, or the explicit list. */
    public static List<String> protocols(TlsConfig config) {
        if (config.protocols().isPresent()) {
            return config.protocols().get();
        }
        switch (config.profile()) {
            case MODERN:
                return List.of("TLSv1.3");
            case INTERMEDIATE:
                return List.of("TLSv1.3", "TLSv1.2");
            case LEGACY:
                return List.of("TLSv1.3", "TLSv1.2", "TLSv1.1", "TLSv1");
            default:
                throw new IllegalStateException("profile " + config.profile());
        }
    }

    /** The cipher suites of the profile, or the explicit list; unsupported ones are skipped when building. */
    public static List<String> ciphers(TlsConfig config) {
        if (config.ciphers().isPresent()) {
            return config.ciphers().get();
        }
        switch (config.profile()) {
            case MODERN:
                return TLS13_CIPHERS;
            case INTERMEDIATE:
                return concat(TLS13_CIPHERS, TLS12_CIPHERS);
            case LEGACY:
                return concat(concat(TLS13_CIPHERS, TLS12_CIPHERS), LEGACY_CIPHERS);
            default:
                throw new IllegalStateException("profile " + config.profile());
        }
    }

    /** Removes TLSv1 and TLSv1.1 from {@code jdk.tls.disabledAlgorithms}; idempotent. */
    static synchronized void allowLegacyProtocols() {
        String current = Security.getProperty(DISABLED);
        if (current == null) {
            return;
        }
        List<String> kept = Arrays.stream(current.split(","))
                .map(String::trim)
                .filter(s -> !s.isEmpty() && !s.equals("TLSv1") && !s.equals("TLSv1.1"))
                .collect(Collectors.toList());
        String updated = String.join(", ", kept);
        if (!updated.equals(current.trim().replaceAll("\\s*,\\s*", ", "))) {
            Security.setProperty(DISABLED, updated);
            log.warn("tls legacy protocols enabled protocols=TLSv1,TLSv1.1 property={} "
                    + "note=\"only takes effect when set before the first TLS use in this JVM\"", DISABLED);
        }
    }

    private static List<String> concat(List<String> a, List<String> b) {
        return Stream.concat(a.stream(), b.stream()).collect(Collectors.toCollection(ArrayList::new));
    }
}
