package works.cast.relay.server.ops;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.channels.Channels;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import works.cast.relay.core.mail.TlsRequirement;
import works.cast.relay.server.message.DeliveryResult;
import works.cast.relay.server.delivery.Forwarder;
import works.cast.relay.server.delivery.OutboundMessage;
import works.cast.relay.server.message.QueueId;
import works.cast.relay.server.smtp.Replies;
import works.cast.relay.server.message.Reply;

/** The recipients of REQUIRETLS and TLS-Required: No messages are counted by requirement and result. */
class TlsRequirementMetricsTest {

    private final RelayMetrics metrics = new RelayMetrics();

    /** Fails rcpts starting with "fail", defers "wait", delivers the others. */
    private final Forwarder upstream = new Forwarder() {
        @Override
        public CompletionStage<Map<String, DeliveryResult>> forward(OutboundMessage m) {
            Map<String, DeliveryResult> out = new LinkedHashMap<>();
            for (String r : m.recipients()) {
                out.put(r, r.startsWith("fail") ? new DeliveryResult.Failed(Replies.requireTlsNotOffered("mx"))
                        : r.startsWith("wait") ? new DeliveryResult.Deferred(new Reply(451, "4.4.1", "later"))
                        : new DeliveryResult.Delivered(new Reply(250, "2.0.0", "ok")));
            }
            return CompletableFuture.completedFuture(out);
        }

        @Override
        public String describe() {
            return "test";
        }

        @Override
        public void close() {
        }
    };

    private void send(TlsRequirement tls, String... rcpts) throws Exception {
        byte[] b = "Subject: x\r\n\r\nx\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        new MeteredForwarder(upstream, metrics).forward(new OutboundMessage(QueueId.next(), "a@cast.works",
                List.of(rcpts), b.length, false, false, () -> Channels.newChannel(new ByteArrayInputStream(b)), tls))
                .toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void countsByRequirementAndResult() throws Exception {
        send(TlsRequirement.REQUIRED, "ok@a.example", "fail1@a.example", "fail2@a.example");
        send(TlsRequirement.OPTIONAL, "wait@a.example");
        send(TlsRequirement.DEFAULT, "ok@b.example", "fail@b.example");
        String s = metrics.scrape();
        String name = "dkim_relay_delivery_tls_requirement_total";
        assertTrue(s.contains(name + "{requirement=\"requiretls\",result=\"delivered\"} 1.0"), s);
        assertTrue(s.contains(name + "{requirement=\"requiretls\",result=\"failed\"} 2.0"), s);
        assertTrue(s.contains(name + "{requirement=\"tls-required-no\",result=\"deferred\"} 1.0"), s);
        assertFalse(s.contains("requirement=\"default\""), "plain mail is not counted here");
    }
}
