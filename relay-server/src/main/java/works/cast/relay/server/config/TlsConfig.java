package works.cast.relay.server.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Server TLS material and protocol profile (RFC 8446, RFC 5246; profiles after Mozilla's server side TLS guide).
 *
 * @param certificate PEM certificate chain, leaf first
 * @param privateKey  PEM private key (PKCS#8 or PKCS#1/SEC1)
 * @param profile     the protocol and cipher preset
 * @param protocols   explicit protocol names overriding the profile, such as {@code TLSv1.3}
 * @param ciphers     explicit IANA cipher suite names overriding the profile
 */
public record TlsConfig(Optional<Path> certificate, Optional<Path> privateKey, Profile profile,
                        Optional<List<String>> protocols, Optional<List<String>> ciphers) {

    /** Protocol and cipher presets. */
    public enum Profile { MODERN, INTERMEDIATE, LEGACY }

    public TlsConfig {
        Objects.requireNonNull(certificate, "certificate");
        Objects.requireNonNull(privateKey, "privateKey");
        Objects.requireNonNull(profile, "profile");
        protocols = protocols.map(List::copyOf);
        ciphers = ciphers.map(List::copyOf);
    }

    /** True when both the certificate and the private key are configured. */
    public boolean configured() {
        return certificate.isPresent() && privateKey.isPresent();
    }
}
