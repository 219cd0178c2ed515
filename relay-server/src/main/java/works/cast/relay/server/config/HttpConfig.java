package works.cast.relay.server.config;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * The management HTTP endpoint ({@code /}, {@code /api/status}, {@code /metrics}, {@code /healthz},
 * {@code /readyz}; RFC 9110).
 *
 * @param enabled   whether the endpoint runs
 * @param address   the IP literal to bind
 * @param port      0..65535; 0 picks a free port
 * @param tokenFile the file whose first line is the bearer token the console, API and metrics need (required when
 *                  {@code address} is not loopback)
 */
public record HttpConfig(boolean enabled, String address, int port, Optional<Path> tokenFile) {

    public HttpConfig {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(tokenFile, "tokenFile");
    }

    /** An endpoint without a token file. */
    public HttpConfig(boolean enabled, String address, int port) {
        this(enabled, address, port, Optional.empty());
    }
}
