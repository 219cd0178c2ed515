package works.cast.relay.server.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import works.cast.relay.core.dkim.SigningRequest;
import works.cast.relay.core.keys.SigningKey;
import works.cast.relay.core.mail.Domain;
import works.cast.relay.core.mail.Envelope;
import works.cast.relay.server.message.AcceptedMessage;
import works.cast.relay.server.intake.IntakeListener;
import works.cast.relay.server.intake.ReceivedMessage;
import works.cast.relay.server.message.QueueId;
import works.cast.relay.server.message.Reply;

class MetricsIntakeListenerTest {

    @Test
    void countsAndPassesEveryEventOn() {
        List<String> seen = new CopyOnWriteArrayList<>();
        IntakeListener next = new IntakeListener() {
            @Override
            public void accepted(ReceivedMessage message, AcceptedMessage accepted) {
                seen.add("accepted");
            }

            @Override
            public void rejected(ReceivedMessage message, String reason, Reply reply, Optional<String> domain) {
                seen.add("rejected " + reason);
            }

            @Override
            public void signed(SigningRequest request, long nanos) {
                seen.add("signed " + request.selector());
            }
        };
        try (RelayMetrics metrics = new RelayMetrics()) {
            MetricsIntakeListener listener = new MetricsIntakeListener(metrics, next);
            QueueId id = QueueId.next();
            Envelope envelope = new Envelope("a@cast.works", List.of("b@example.com"), false, false);
            listener.signed(SigningRequest.of(new Domain("cast.works"), "ed1",
                    SigningKey.Ed25519.fromSeed(new byte[32])), 90_000);
            listener.accepted(null, new AcceptedMessage(id, envelope, new byte[0], Instant.EPOCH, "127.0.0.1",
                    Optional.empty(), Optional.of("cast.works"), List.of("cast.works/ed1"), 10));
            listener.rejected(null, "unknown-domain", new Reply(550, "5.7.1", "no"), Optional.of("example.org"));
            assertEquals(List.of("signed ed1", "accepted", "rejected unknown-domain"), seen);
            String s = metrics.scrape();
            assertTrue(s.contains("dkim_relay_signatures_total{algorithm=\"ed25519-sha256\",domain=\"cast.works\","
                    + "selector=\"ed1\"} 1.0"), s);
            assertTrue(s.contains("dkim_relay_messages_accepted_total{domain=\"cast.works\"} 1.0"), s);
            assertTrue(s.contains("dkim_relay_messages_rejected_total{reason=\"unknown-domain\"} 1.0"), s);
        }
    }
}
