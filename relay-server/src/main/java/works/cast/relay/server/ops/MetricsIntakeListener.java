package works.cast.relay.server.ops;

import java.util.Objects;
import java.util.Optional;
import works.cast.relay.core.dkim.SigningRequest;
import works.cast.relay.server.message.AcceptedMessage;
import works.cast.relay.server.intake.IntakeListener;
import works.cast.relay.server.intake.ReceivedMessage;
import works.cast.relay.server.message.Reply;

/**
 * Counts every end of DATA in {@link RelayMetrics} (accepted by From domain, rejected by reason, signatures and
 * signing time, RFC 6376 §5) and passes it on to another listener, usually the per-message log line.
 *
 * <pre>
 * IntakeListener listener = new MetricsIntakeListener(metrics, new MessageLog());
 * </pre>
 */
public final class MetricsIntakeListener implements IntakeListener {

    private final RelayMetrics metrics;
    private final IntakeListener next;

    public MetricsIntakeListener(RelayMetrics metrics, IntakeListener next) {
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.next = Objects.requireNonNull(next, "next");
    }

    @Override
    public void accepted(ReceivedMessage message, AcceptedMessage accepted) {
        metrics.messageAccepted(accepted.authorDomain().orElse(null));
        next.accepted(message, accepted);
    }

    @Override
    public void rejected(ReceivedMessage message, String reason, Reply reply, Optional<String> authorDomain) {
        metrics.messageRejected(reason);
        next.rejected(message, reason, reply, authorDomain);
    }

    @Override
    public void signed(SigningRequest request, long nanos) {
        metrics.signature(request.domain().name(), request.selector(), request.algorithm().tagValue(), nanos);
        next.signed(request, nanos);
    }
}
