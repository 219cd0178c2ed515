package works.cast.relay.server.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import works.cast.relay.server.bounce.Bouncer;
import works.cast.relay.server.bounce.DsnBuilder;
import works.cast.relay.server.delivery.DeliveryWorker;
import works.cast.relay.server.delivery.RecordingForwarder;
import works.cast.relay.server.delivery.RetrySchedule;
import works.cast.relay.server.message.DeliveryResult;
import works.cast.relay.server.message.IndexEntry;
import works.cast.relay.server.message.QueueEntry;
import works.cast.relay.server.message.QueueId;
import works.cast.relay.server.message.RecipientState;
import works.cast.relay.server.message.RecipientStatus;
import works.cast.relay.server.message.TestMessages;

/** A relay started on a queue a v1 relay wrote delivers those messages and writes new ones as v2. */
class QueueUpgradeTest {

    private static final Instant T0 = Instant.parse("2026-11-28T04:30:00Z");
    private static final String BODY = "From: billing@cast.works\r\nTo: a@example.net\r\nSubject: Old\r\n\r\nv1 body\r\n";

    @TempDir
    Path dir;

    @Test
    void v1MessagesAreRewrittenAsV2WithTheirStateAndDelivered() throws Exception {
        QueueId fresh = QueueFixtures.writeV1(dir, "billing@cast.works",
                List.of(QueueFixtures.V1Recipient.pending("a@example.net", T0)), T0, BODY);
        QueueId tried = QueueFixtures.writeV1(dir, "billing@cast.works", List.of(
                new QueueFixtures.V1Recipient("done@example.net", "delivered", 1, T0, "250 2.0.0 Ok"),
                new QueueFixtures.V1Recipient("b@example.net", "pending", 2, T0.plusSeconds(300),
                        "451 4.4.1 Try again later")), T0, BODY);
        QueueId uncommitted = QueueId.next(); // a v1 relay died before writing the .meta: no 250 was given
        Files.writeString(dir.resolve(uncommitted + ".eml"), BODY);
        Files.createDirectories(dir.resolve("incoming"));
        QueueId halfMoved = QueueFixtures.writeV1(dir, "billing@cast.works",
                List.of(QueueFixtures.V1Recipient.pending("c@example.net", T0)), T0, BODY);
        Files.move(dir.resolve(halfMoved + ".eml"), dir.resolve("incoming").resolve(halfMoved + ".eml"));

        MutableClock clock = new MutableClock(T0);
        RecordingForwarder forwarder = new RecordingForwarder();
        try (FileMessageQueue queue = new FileMessageQueue(dir, clock, new TestGuard())) {
            List<IndexEntry> recovered = queue.recover();
            assertEquals(List.of(fresh, tried, halfMoved).stream().sorted().toList(),
                    recovered.stream().map(IndexEntry::id).toList());
            assertEquals(java.util.stream.Stream.of(fresh + ".msg", halfMoved + ".msg", tried + ".msg", "control",
                    "incoming", "spare").sorted().toList(), TestMessages.names(dir), "no v1 file is left");
            QueueEntry e = queue.load(tried).orElseThrow();
            assertEquals(List.of(RecipientState.DELIVERED, RecipientState.PENDING),
                    e.recipients().stream().map(RecipientStatus::state).toList());
            assertEquals(2, e.recipients().get(1).attempts());
            assertEquals("451 4.4.1 Try again later", e.recipients().get(1).lastReply().orElseThrow().summary());
            assertEquals(QueueFixtures.PREPEND + BODY, text(queue, e));
            assertEquals("billing", e.authUser().orElseThrow());

            QueueEntry added = TestMessages.commit(queue, "billing@cast.works", List.of("n@example.net"), T0);
            assertTrue(Files.exists(dir.resolve(added.id() + ".msg")), "new mail is written as v2");

            for (int i = 0; i < 3; i++) {
                forwarder.thenAll(DeliveryResult.Delivered::new, RecordingForwarder.OK);
            }
            clock.advance(Duration.ofMinutes(10));
            List<String> delivered = List.of(added.id() + ".msg", "control", "incoming", "spare");
            try (DeliveryWorker worker = new DeliveryWorker(queue, forwarder, new RetrySchedule(
                    List.of(Duration.ofMinutes(1)), Duration.ofDays(5)),
                    new Bouncer(queue, new DsnBuilder("relay.test", clock)), 4, clock)) {
                worker.start(recovered);
                // the worker runs on its own thread: bounded wait until the three upgraded messages are gone
                long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
                while (System.nanoTime() < deadline
                        && (forwarder.calls().size() < 3 || !TestMessages.names(dir).equals(delivered))) {
                    Thread.sleep(5);
                }
                Map<QueueId, List<String>> sent = new java.util.HashMap<>();
                forwarder.calls().forEach(c -> sent.put(c.message().id(), c.message().recipients()));
                assertEquals(Map.of(fresh, List.of("a@example.net"), tried, List.of("b@example.net"),
                        halfMoved, List.of("c@example.net")), sent, "the delivered recipient is not sent again");
                assertEquals(delivered, TestMessages.names(dir), "delivered and removed");
            }
        }
    }

    @Test
    void aDamagedV1MessageIsMovedAside() throws Exception {
        QueueId good = QueueFixtures.writeV1(dir, "billing@cast.works",
                List.of(QueueFixtures.V1Recipient.pending("a@example.net", T0)), T0, BODY);
        QueueId cut = QueueFixtures.writeV1(dir, "billing@cast.works",
                List.of(QueueFixtures.V1Recipient.pending("a@example.net", T0)), T0, BODY);
        Files.writeString(dir.resolve(cut + ".eml"), BODY.substring(0, 20));
        QueueId noEml = QueueFixtures.writeV1(dir, "billing@cast.works",
                List.of(QueueFixtures.V1Recipient.pending("a@example.net", T0)), T0, BODY);
        Files.delete(dir.resolve(noEml + ".eml"));
        try (FileMessageQueue queue = new FileMessageQueue(dir, new MutableClock(T0), new TestGuard())) {
            assertEquals(List.of(good), queue.recover().stream().map(IndexEntry::id).toList());
            assertEquals(java.util.stream.Stream.of(cut + ".eml", cut + ".meta", noEml + ".meta").sorted().toList(),
                    TestMessages.names(dir.resolve("corrupt")));
        }
    }

    private static String text(FileMessageQueue queue, QueueEntry e) throws IOException {
        StringBuilder sb = new StringBuilder();
        try (ReadableByteChannel ch = queue.content(e).open()) {
            ByteBuffer b = ByteBuffer.allocate(7);
            while (ch.read(b) >= 0) {
                b.flip();
                sb.append(StandardCharsets.US_ASCII.decode(b));
                b.clear();
            }
        }
        return sb.toString();
    }
}
