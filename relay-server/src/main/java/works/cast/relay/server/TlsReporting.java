package works.cast.relay.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import works.cast.relay.core.mail.Domain;
import works.cast.relay.core.policy.SigningPolicy;
import works.cast.relay.server.config.RelayConfig;
import works.cast.relay.server.delivery.tls.HostTls;
import works.cast.relay.server.delivery.tls.PeerTrust;
import works.cast.relay.server.delivery.tls.TlsOutcomes;
import works.cast.relay.server.delivery.tls.TlsReportCounts;
import works.cast.relay.server.delivery.tls.TlsReporter;
import works.cast.relay.server.delivery.tls.TlsResult;
import works.cast.relay.server.dns.DnsClient;
import works.cast.relay.server.intake.OriginatedMailSigner;
import works.cast.relay.server.ops.RelayMetrics;

/**
 * Wiring of the MX TLS outcomes: every connection attempt goes to the metrics, and with
 * {@code delivery.mx.tls-rpt.enabled} also to the day's counts that {@link TlsReporter} sends as RFC 8460 reports,
 * signed with the keys of the {@code from} address's domain and queued like other mail, or uploaded to the domain's
 * {@code https:} reporting URIs (certificates checked against {@code delivery.mx.trust-store} and the JDK's). The counts not yet reported
 * are kept in {@code <queue.dir>/tls-rpt/counts.txt} across restarts.
 */
final class TlsReporting {

    private TlsReporting() {
    }

    /** The day's counts when TLS reports are on. */
    static Optional<TlsReportCounts> counts(RelayConfig config, Clock clock) {
        return config.delivery().mx().security().tlsRpt().map(f -> new TlsReportCounts(clock));
    }

    /** Where MX delivery reports each connection's TLS outcome. */
    static TlsOutcomes outcomes(RelayMetrics metrics, Optional<TlsReportCounts> counts) {
        return (String domain, HostTls.Policy policy, TlsResult result) -> {
            metrics.deliveryTls(policy.label(), result.type());
            counts.ifPresent(c -> c.record(domain, policy, result));
        };
    }

    /** Starts the hourly check for finished days. */
    static TlsReporter start(RelayConfig config, TlsReportCounts counts, SigningPolicy policy, Clock clock,
                             TlsReporter.Outbox outbox) {
        String from = config.delivery().mx().security().tlsRpt().orElseThrow();
        Domain domain = new Domain(from.substring(from.lastIndexOf('@') + 1));
        DnsClient dns = DnsClient.of(config.dns());
        PeerTrust trust;
        try {
            trust = PeerTrust.of(config.delivery().mx().security().trustStore());
        } catch (IOException e) {
            throw new UncheckedIOException("delivery.mx.trust-store: " + e.getMessage(), e);
        }
        return new TlsReporter(counts, dns, from, config.hostname(), new OriginatedMailSigner(policy, domain, clock),
                outbox, TlsReporter.Poster.https(trust, dns, Duration.ofSeconds(30)), clock,
                Optional.of(config.queue().dir().resolve("tls-rpt").resolve("counts.txt"))).start(Duration.ofHours(1));
    }
}
