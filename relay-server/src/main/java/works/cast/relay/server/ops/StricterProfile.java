package works.cast.relay.server.ops;

import java.util.HashSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import works.cast.relay.server.config.TlsConfig;
import works.cast.relay.server.tls.TlsContexts;

/**
 * The TLS profile one step stricter than the configured one ({@code legacy -> intermediate -> modern}, after
 * Mozilla's server side TLS guide) and whether it would refuse a client session seen with a protocol and cipher:
 * intermediate refuses TLS 1.0/1.1 and the CBC and static-RSA suites, modern everything but TLS 1.3.
 */
final class StricterProfile {

    private final TlsConfig.Profile current;

    StricterProfile(TlsConfig.Profile current) {
        this.current = current;
    }

    String current() {
        return current.name().toLowerCase(Locale.ROOT);
    }

    /** The next stricter profile's name; empty for modern, which has none. */
    Optional<String> next() {
        return switch (current) {
            case LEGACY -> Optional.of("intermediate");
            case INTERMEDIATE -> Optional.of("modern");
            case MODERN -> Optional.empty();
        };
    }

    /** True when the next stricter profile would refuse a session of {@code protocol} and {@code cipher}. */
    boolean refuses(String protocol, String cipher) {
        return switch (current) {
            case LEGACY -> {
                Set<String> allowed = new HashSet<>(TlsContexts.TLS13_CIPHERS);
                allowed.addAll(TlsContexts.TLS12_CIPHERS);
                yield !(protocol.equals("TLSv1.3") || protocol.equals("TLSv1.2")) || !allowed.contains(cipher);
            }
            case INTERMEDIATE -> !protocol.equals("TLSv1.3");
            case MODERN -> false;
        };
    }
}
