package works.cast.relay.server.config;

import java.util.Objects;
import java.util.Optional;

/**
 * Mail the relay writes itself (delivery status notifications, TLS reports).
 *
 * @param signAs the signing domain whose keys sign it and whose {@code MAILER-DAEMON} sends it; empty means the
 *               configured signing domain that {@code relay.hostname} belongs to
 */
public record BounceConfig(Optional<String> signAs) {

    public BounceConfig {
        Objects.requireNonNull(signAs, "signAs");
    }
}
