package works.cast.relay.server.message;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import works.cast.relay.core.mail.Envelope;

/** Accepted messages with their spool files, as the intake hands them over. */
public final class TestMessages {

    public static final String PREPEND = "DKIM-Signature: v=1; a=rsa-sha256; d=cast.works; s=s1; b=abc\r\n";
    public static final String BODY = "From: billing@cast.works\r\nTo: a@example.net\r\nSubject: Invoice\r\n\r\nHello\r\n";

    private TestMessages() {
    }

    public static AcceptedMessage spool(MessageStore queue, String from, List<String> rcpts, Instant received)
            throws IOException {
        QueueId id = QueueId.next();
        byte[] body = BODY.getBytes(StandardCharsets.US_ASCII);
        Files.write(queue.spoolFile(id), body);
        return new AcceptedMessage(id, new Envelope(from, rcpts, false, false),
                PREPEND.getBytes(StandardCharsets.US_ASCII), received, "10.0.0.5", Optional.of("billing"),
                Optional.of("cast.works"), List.of("d=cast.works/s=s1/a=rsa-sha256"), body.length);
    }

    public static QueueEntry commit(MessageStore queue, String from, List<String> rcpts, Instant received)
            throws Exception {
        AcceptedMessage m = spool(queue, from, rcpts, received);
        queue.commit(m, queue.spoolFile(m.id())).toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
        return queue.load(m.id()).orElseThrow();
    }

    public static List<String> names(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> !n.equals(".lock")).sorted().toList();
        }
    }
}
