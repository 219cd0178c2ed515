package works.cast.relay.server.config;

import java.util.Objects;

/**
 * The management HTTP endpoint ({@code /metrics}, {@code /healthz}, {@code /readyz}; RFC 9110).
 *
 * @param enabled whether the endpoint runs
 * @param address the IP literal to bind
 * @param port    0..65535; 0 picks a free port
 */
public record HttpConfig(boolean enabled, String address, int port) {

    public HttpConfig {
        Objects.requireNonNull(address, "address");
    }
}
