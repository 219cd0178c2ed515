package works.cast.relay.server.delivery;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import works.cast.relay.core.mail.Envelope;
import works.cast.relay.server.message.AcceptedMessage;
import works.cast.relay.server.message.DeliveryResult;
import works.cast.relay.server.message.MessageStore;
import works.cast.relay.server.message.RecipientState;
import works.cast.relay.server.message.RecipientStatus;

/**
 * Passthrough recipients the upstream deferred go into the durable queue under the message's own id, counted as
 * tried once and due after the first wait of {@code queue.retry}, as if the queue had made that attempt.
 */
public final class QueueDeferrals implements DeferralHandler {

    private final MessageStore queue;
    private final RetrySchedule schedule;
    private final Clock clock;

    public QueueDeferrals(MessageStore queue, RetrySchedule schedule, Clock clock) {
        this.queue = queue;
        this.schedule = schedule;
        this.clock = clock;
    }

    @Override
    public CompletionStage<?> defer(AcceptedMessage m, Path receivedBytes, Map<String, DeliveryResult> deferred,
                                    String upstream) {
        Instant now = clock.instant();
        Instant next = schedule.next(m.received(), now, 1);
        List<RecipientStatus> rcpts = new ArrayList<>();
        deferred.forEach((r, result) -> rcpts.add(RecipientStatus.pending(r, now)
                .attempted(RecipientState.PENDING, next, result.reply(), upstream, result.remoteHost())));
        Envelope e = m.envelope();
        AcceptedMessage part = new AcceptedMessage(m.id(), new Envelope(e.reversePath(), List.copyOf(deferred.keySet()),
                e.smtpUtf8(), e.eightBit(), e.tls()), m.prepend(), m.received(), m.clientAddress(), m.authUser(),
                m.authorDomain(), m.signatures(), m.size());
        return queue.commit(part, receivedBytes, rcpts);
    }
}
