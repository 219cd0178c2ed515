package works.cast.relay.server.ops;

import java.util.Optional;

/**
 * One condition the relay needs to take mail, asked on every {@code GET /readyz} (RFC 9110 §15.6.4 503 when one
 * fails). Called on the management server's worker thread, never on an event loop; it may touch the disk but should
 * answer within a second or two.
 *
 * <pre>
 * server.addCheck(() -&gt; smtp.boundPorts().isEmpty() ? Optional.of("smtp listeners not bound") : Optional.empty());
 * </pre>
 */
@FunctionalInterface
public interface ReadinessCheck {

    /** Empty when ready; otherwise one line saying what is wrong. */
    Optional<String> check();
}
