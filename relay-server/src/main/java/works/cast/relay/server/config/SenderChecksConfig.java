package works.cast.relay.server.config;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The daily DNS checks of each signing domain ({@code relay.sender-checks}): DMARC, SPF, DKIM records.
 *
 * @param enabled whether they run (at startup, then every {@code every})
 * @param every   the period between two rounds
 * @param egress  the addresses receivers see direct MX delivery come from, for the SPF check; empty means this host's
 *                public addresses
 */
public record SenderChecksConfig(boolean enabled, Duration every, List<String> egress) {

    public SenderChecksConfig {
        Objects.requireNonNull(every, "every");
        egress = List.copyOf(egress);
    }
}
