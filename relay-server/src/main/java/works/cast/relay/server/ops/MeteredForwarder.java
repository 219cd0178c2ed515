package works.cast.relay.server.ops;

import java.util.Map;
import java.util.concurrent.CompletionStage;
import works.cast.relay.server.delivery.Forwarder;
import works.cast.relay.server.delivery.OutboundMessage;
import works.cast.relay.server.message.DeliveryResult;

/** A {@link Forwarder} that counts every recipient's attempt and its duration in the relay's metrics. */
public final class MeteredForwarder implements Forwarder {

    private final Forwarder next;
    private final RelayMetrics metrics;

    public MeteredForwarder(Forwarder next, RelayMetrics metrics) {
        this.next = next;
        this.metrics = metrics;
    }

    @Override
    public CompletionStage<Map<String, DeliveryResult>> forward(OutboundMessage message) {
        long start = System.nanoTime();
        return next.forward(message).whenComplete((results, failure) -> {
            if (results != null) {
                long nanos = System.nanoTime() - start;
                results.forEach((rcpt, r) -> {
                    metrics.deliveryAttempt(r, nanos);
                    metrics.deliveryFailure(message.id().toString(), rcpt, r);
                    if (message.tls() != works.cast.relay.core.mail.TlsRequirement.DEFAULT) {
                        metrics.deliveryTlsRequirement(message.tls().label(), r);
                    }
                });
            }
        });
    }

    @Override
    public String describe() {
        return next.describe();
    }

    @Override
    public void close() {
        next.close();
    }
}
