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
 * @param authFailures      failed AUTHs of one client (IPv4 address, IPv6 /64) within {@code authFailureWindow}
 *                          after which it is cut off (Postfix smtpd_client_auth_rate_limit)
 * @param authFailureWindow how long a failure counts
 */
public record AccessConfig(List<Cidr> networks, boolean requireTlsForAuth, Optional<Path> usersFile,
                           Duration authFailureDelay, int authFailures, Duration authFailureWindow) {

    public AccessConfig {
        networks = List.copyOf(networks);
        Objects.requireNonNull(usersFile, "usersFile");
        Objects.requireNonNull(authFailureDelay, "authFailureDelay");
        Objects.requireNonNull(authFailureWindow, "authFailureWindow");
    }

    /** True when {@code client} lies in one of the trusted networks. */
    public boolean trusted(InetAddress client) {
        return networks.stream().anyMatch(n -> n.contains(client));
    }
}
