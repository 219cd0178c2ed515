package works.cast.relay.server.config;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * The upstream submission server for {@code delivery.mode = smarthost} (RFC 6409, AUTH per RFC 4954).
 *
 * @param host        the server name or address; required in smarthost mode
 * @param port        1..65535
 * @param tls         STARTTLS use
 * @param trustStore  PEM bundle of trusted certificates; empty means the JDK trust store
 * @param user        AUTH user, when the smarthost wants AUTH
 * @param password    AUTH password, present exactly when {@code user} is
 * @param connections maximum parallel connections
 */
public record SmarthostConfig(Optional<String> host, int port, OutboundTls tls, Optional<Path> trustStore,
                              Optional<String> user, Optional<String> password, int connections) {

    public SmarthostConfig {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(trustStore, "trustStore");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
    }

    @Override
    public String toString() {
        return "SmarthostConfig[host=" + host + ", port=" + port + ", tls=" + tls + ", trustStore=" + trustStore
                + ", user=" + user + ", password=" + password.map(p -> "***") + ", connections=" + connections + "]";
    }
}
