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

    /**
     * The domain to sign as: {@code signAs}, or the longest configured signing domain that is {@code hostname} or a
     * parent of it (relay.cast.works belongs to cast.works). Empty when there is none: reports go unsigned.
     */
    public Optional<String> domain(String hostname, java.util.Collection<String> signingDomains) {
        if (signAs.isPresent()) {
            return signAs;
        }
        String host = hostname.toLowerCase(java.util.Locale.ROOT);
        return signingDomains.stream().filter(d -> host.equals(d) || host.endsWith("." + d))
                .max(java.util.Comparator.comparingInt(String::length));
    }
}
