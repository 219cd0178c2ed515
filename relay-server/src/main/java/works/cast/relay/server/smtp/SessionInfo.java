package works.cast.relay.server.smtp;

import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What the relay knows about the client of one SMTP session when a message is handed over.
 *
 * @param sessionId    short unique id of the session, for logs
 * @param client       the client address (the one the PROXY protocol reported, when enabled)
 * @param heloName     the EHLO/HELO argument
 * @param authUser     the authenticated user, empty when the client was admitted by network
 * @param userDomains  for an authenticated user, the From domains it may send as; empty for network clients
 * @param tlsProtocol  negotiated TLS protocol, empty when the session is in clear
 * @param tlsCipher    negotiated cipher suite, empty when the session is in clear
 */
public record SessionInfo(String sessionId, InetSocketAddress client, String heloName, Optional<String> authUser,
                          Set<String> userDomains, Optional<String> tlsProtocol, Optional<String> tlsCipher) {

    public SessionInfo {
        Objects.requireNonNull(sessionId, "sessionId");
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(heloName, "heloName");
        Objects.requireNonNull(authUser, "authUser");
        userDomains = Set.copyOf(userDomains);
        Objects.requireNonNull(tlsProtocol, "tlsProtocol");
        Objects.requireNonNull(tlsCipher, "tlsCipher");
    }
}
