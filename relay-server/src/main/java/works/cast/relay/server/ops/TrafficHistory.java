package works.cast.relay.server.ops;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * What the console charts: messages accepted, rejected (by reason), signed (by domain/selector/algorithm) and
 * delivery attempts (by result) per minute over the last hour; client TLS sessions (by protocol and cipher) per hour
 * over the last day; and the last delivery failures. Fed by {@link RelayMetrics} as it counts, so the page and
 * {@code /metrics} never disagree. Thread-safe and cheap enough for the event loops.
 */
public final class TrafficHistory {

    static final int MINUTES = 60;
    static final int HOURS = 24;

    private final Clock clock;
    final CountSeries accepted = new CountSeries(MINUTES, Duration.ofMinutes(1));
    final CountSeries rejected = new CountSeries(MINUTES, Duration.ofMinutes(1));
    final CountSeries signed = new CountSeries(MINUTES, Duration.ofMinutes(1));
    final CountSeries deliveries = new CountSeries(MINUTES, Duration.ofMinutes(1));
    final CountSeries tls = new CountSeries(HOURS, Duration.ofHours(1));
    final RecentFailures failures = new RecentFailures();

    public TrafficHistory(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    Clock clock() {
        return clock;
    }

    void accepted(String domain) {
        accepted.add(domain == null ? "-" : domain, clock.instant());
    }

    void rejected(String reason) {
        rejected.add(reason == null ? "-" : reason, clock.instant());
    }

    void signed(String domain, String selector, String algorithm) {
        signed.add(domain + "/" + selector + "/" + algorithm, clock.instant());
    }

    void delivery(RelayMetrics.DeliveryOutcome outcome) {
        deliveries.add(outcome.name().toLowerCase(Locale.ROOT), clock.instant());
    }

    /** Label {@code protocol cipher}; neither contains a space. */
    void tls(String protocol, String cipher) {
        tls.add(protocol + " " + cipher, clock.instant());
    }

    void failure(String id, String recipient, RelayMetrics.DeliveryOutcome outcome, String reply) {
        int at = recipient.lastIndexOf('@');
        String domain = at < 0 ? "" : recipient.substring(at + 1).toLowerCase(Locale.ROOT);
        failures.add(new RecentFailures.Failure(clock.instant(), id, domain,
                outcome.name().toLowerCase(Locale.ROOT), reply));
    }

    List<RecentFailures.Failure> recentFailures() {
        return failures.newestFirst();
    }
}
