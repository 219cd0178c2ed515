package works.cast.relay.server.delivery;

import java.io.ByteArrayInputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import works.cast.relay.server.config.OutboundTls;
import works.cast.relay.server.message.DeliveryResult;
import works.cast.relay.server.message.QueueId;

/** Test messages and settings for the delivery tests. */
final class Messages {

    private Messages() {
    }

    static OutboundMessage message(String content, String... recipients) {
        return message(content.getBytes(StandardCharsets.UTF_8), false, false, recipients);
    }

    static OutboundMessage message(byte[] content, boolean eightBit, boolean smtpUtf8, String... recipients) {
        return new OutboundMessage(QueueId.next(), "sender@cast.works", List.of(recipients), content.length,
                eightBit, smtpUtf8, () -> Channels.newChannel(new ByteArrayInputStream(content)));
    }

    static UpstreamSettings plain(Duration timeout) {
        return new UpstreamSettings("relay.test", OutboundTls.NONE, Optional.empty(), Optional.empty(), false,
                timeout, timeout, timeout);
    }

    static UpstreamSettings plain() {
        return plain(Duration.ofSeconds(10));
    }

    static Map<String, DeliveryResult> await(Forwarder f, OutboundMessage m) throws Exception {
        return f.forward(m).toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
}
