package works.cast.relay.server.config;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import works.cast.relay.server.net.Cidr;

/**
 * Who may submit: trusted networks without AUTH, and users from the users file with AUTH (RFC 4954).
 *
 * @param networks          clients in these networks may submit without AUTH
 * @param requireTlsForAuth offer AUTH only on TLS-protected sessions
 * @param usersFile         the {@code name:hash:domains} file, when AUTH is enabled
 * @param authFailureDelay  how long to wait before answering a failed AUTH
 */
public record AccessConfig(List<Cidr> networks, boolean requireTlsForAuth, Optional<Path> usersFile,
                           Duration authFailureDelay) {

    public AccessConfig {
        networks = List.copyOf(networks);
        Objects.requireNonNull(usersFile, "usersFile");
        Objects.requireNonNull(authFailureDelay, "authFailureDelay");
    }

    /** True when {@code client} lies in one of the trusted networks. */
    public boolean trusted(InetAddress client) {
        return networks.stream().anyMatch(n -> n.contains(client));
    }
}
