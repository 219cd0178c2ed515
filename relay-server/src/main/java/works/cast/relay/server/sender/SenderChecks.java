package works.cast.relay.server.sender;

import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import works.cast.relay.server.config.DeliveryConfig;
import works.cast.relay.server.config.RelayConfig;
import works.cast.relay.server.keys.KeyCheck;
import works.cast.relay.server.net.Cidr;

/** What the running relay and {@code keys check} share, so that both judge a domain the same way. */
public final class SenderChecks {

    private SenderChecks() {
    }

    /**
     * The addresses receivers see this relay's mail come from: {@code relay.sender-checks.egress-addresses}, else
     * this host's public addresses; none unless {@code delivery.mode = mx} (a smarthost's SPF is its own business).
     */
    public static List<InetAddress> egress(RelayConfig config) {
        if (config.delivery().mode() != DeliveryConfig.Mode.MX) {
            return List.of();
        }
        List<String> configured = config.senderChecks().egress();
        return configured.isEmpty() ? SenderCheckRunner.hostAddresses()
                : configured.stream().map(Cidr::parseAddress).toList();
    }

    /** Why {@link #egress} is empty, for a line that says the SPF egress check did not run. */
    public static String noEgressReason(RelayConfig config) {
        return config.delivery().mode() != DeliveryConfig.Mode.MX
                ? "delivery.mode is " + config.delivery().mode().name().toLowerCase(java.util.Locale.ROOT) + ", not mx"
                : "no public address on this host; set relay.sender-checks.egress-addresses";
    }

    /** Each selector's record state by selector: matching, different, missing, or error (why). */
    public static Map<String, String> selectorStates(List<KeyCheck.Result> results) {
        Map<String, String> states = new LinkedHashMap<>();
        for (KeyCheck.Result r : results) {
            states.put(r.key().selector(), switch (r.status()) {
                case MATCH -> "matching";
                case DIFFERENT, TRUNCATED -> "different";
                case NOT_FOUND -> "missing";
                case DNS_ERROR -> "error (" + r.detail() + ")";
            });
        }
        return states;
    }
}
