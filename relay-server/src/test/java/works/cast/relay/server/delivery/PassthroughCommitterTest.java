package works.cast.relay.server.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static works.cast.relay.server.delivery.Messages.plain;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import works.cast.relay.core.mail.Envelope;
import works.cast.relay.server.bounce.Bouncer;
import works.cast.relay.server.bounce.DsnBuilder;
import works.cast.relay.server.message.AcceptedMessage;
import works.cast.relay.server.message.DeliveryResult;
import works.cast.relay.server.message.QueueEntry;
import works.cast.relay.server.message.QueueId;
import works.cast.relay.server.message.RecipientState;
import works.cast.relay.server.message.RecipientStatus;
import works.cast.relay.server.message.Reply;
import works.cast.relay.server.queue.FileMessageQueue;

/** Passthrough delivery answers with the upstream's reply; deferred recipients go into the durable queue first. */
class PassthroughCommitterTest {

    private final ExecutorService io = Executors.newCachedThreadPool();
    private final List<Map<String, DeliveryResult>> bounced = new CopyOnWriteArrayList<>();
    private ScriptedSmtpServer server;
    private SmarthostForwarder forwarder;

    @TempDir
    Path tmp;

    private FileMessageQueue queue;
    private final RetrySchedule schedule = new RetrySchedule(List.of(Duration.ofSeconds(1)), Duration.ofDays(1));

    @AfterEach
    void close() throws Exception {
        forwarder.close();
        server.close();
        if (queue != null) {
            queue.close();
        }
        io.shutdownNow();
    }

    private FileMessageQueue queue() throws Exception {
        queue = queue == null ? new FileMessageQueue(tmp.resolve("queue"), Clock.systemUTC()) : queue;
        return queue;
    }

    private QueueId lastId;

    private Reply commit(String... recipients) throws Exception {
        server = server == null ? new ScriptedSmtpServer() : server;
        forwarder = forwarder == null ? new SmarthostForwarder("127.0.0.1", server.port(), 1, plain(),
                Duration.ofSeconds(30), io) : forwarder;
        PassthroughCommitter committer = new PassthroughCommitter(forwarder, queue().spoolDirectory(), io,
                (m, file, failed) -> {
                    assertTrue(Files.exists(file));
                    bounced.add(failed);
                }, new QueueDeferrals(queue(), schedule, Clock.systemUTC()));
        lastId = QueueId.next();
        QueueId id = lastId;
        Path spoolFile = committer.spoolFile(id);
        byte[] body = "Subject: hi\r\n\r\n.dot\r\n".getBytes(StandardCharsets.US_ASCII);
        Files.write(spoolFile, body);
        byte[] prepend = "Received: from test\r\n".getBytes(StandardCharsets.US_ASCII);
        AcceptedMessage m = new AcceptedMessage(id, new Envelope("a@cast.works", List.of(recipients), false, false),
                prepend, Instant.now(), "127.0.0.1", Optional.empty(), Optional.of("cast.works"), List.of(),
                body.length);
        Reply reply = committer.commit(m, spoolFile).toCompletableFuture().get(30, TimeUnit.SECONDS);
        assertFalse(Files.exists(spoolFile));
        return reply;
    }

    @Test
    void deliveredAnswersWithTheUpstreamReply() throws Exception {
        server = new ScriptedSmtpServer();
        server.dataReply = "250 2.0.0 Ok: queued as UP123";
        assertEquals("250 2.0.0 Ok: queued as UP123", commit("b@example.net").summary());
        assertEquals("Received: from test\r\nSubject: hi\r\n\r\n.dot\r\n",
                server.next(Duration.ofSeconds(5)).text());
        assertTrue(bounced.isEmpty());
    }

    @Test
    void upstreamRefusalReachesTheClient() throws Exception {
        server = new ScriptedSmtpServer();
        server.rcptReply = r -> "550 5.1.1 User unknown";
        assertEquals("550 5.1.1 User unknown", commit("b@example.net").summary());
        server.rcptReply = r -> "450 4.2.1 Mailbox busy";
        assertEquals("450 4.2.1 Mailbox busy", commit("b@example.net").summary());
    }

    @Test
    void partialDeliveryAnswers250AndBouncesTheRest() throws Exception {
        server = new ScriptedSmtpServer();
        server.rcptReply = r -> r.startsWith("bad") ? "550 5.1.1 User unknown" : "250 2.1.5 Ok";
        assertEquals(250, commit("good@example.net", "bad@example.net").code());
        assertEquals(1, bounced.size());
        assertEquals(List.of("bad@example.net"), List.copyOf(bounced.get(0).keySet()));
    }

    @Test
    void partialDeliveryQueuesTheDeferredRecipientsBeforeAnsweringAndRetriesThem() throws Exception {
        server = new ScriptedSmtpServer();
        server.rcptReply = r -> r.startsWith("busy") ? "452 4.2.2 Mailbox full" : r.startsWith("bad")
                ? "550 5.1.1 User unknown" : "250 2.1.5 Ok";
        forwarder = new SmarthostForwarder("127.0.0.1", server.port(), 1, plain(), Duration.ofSeconds(30), io);
        Instant before = Instant.now();
        assertEquals(250, commit("good@example.net", "busy@example.net", "bad@example.net").code());
        QueueEntry queued = queue().load(lastId).orElseThrow(() -> new AssertionError("deferred recipient not queued"));
        assertEquals(1, queued.recipients().size());
        RecipientStatus busy = queued.recipients().get(0);
        assertEquals("busy@example.net", busy.address());
        assertEquals(RecipientState.PENDING, busy.state());
        assertEquals(1, busy.attempts());
        assertEquals("452 4.2.2 Mailbox full", busy.lastReply().orElseThrow().summary());
        assertTrue(!busy.nextAttempt().isBefore(before.plusSeconds(1)), "due after the first retry wait");
        assertEquals(List.of("bad@example.net"), bounced.stream().flatMap(b -> b.keySet().stream()).toList(),
                "only the refused recipient is bounced");
        assertEquals(List.of("good@example.net"), server.next(Duration.ofSeconds(5)).recipients());

        server.rcptReply = r -> "250 2.1.5 Ok";
        try (DeliveryWorker worker = new DeliveryWorker(queue(), forwarder, schedule,
                new Bouncer(queue(), new DsnBuilder("relay.test", Clock.systemUTC())), 2, Clock.systemUTC())) {
            worker.start(List.of(works.cast.relay.server.message.IndexEntry.of(queued)));
            ScriptedSmtpServer.Message retried = server.next(Duration.ofSeconds(10));
            assertEquals(List.of("busy@example.net"), retried.recipients());
            assertEquals("Received: from test\r\nSubject: hi\r\n\r\n.dot\r\n", retried.text());
        }
    }

    @Test
    void unreachableUpstreamIsTransient() throws Exception {
        server = new ScriptedSmtpServer();
        server.silent = true;
        forwarder = new SmarthostForwarder("127.0.0.1", server.port(), 1, plain(Duration.ofMillis(300)),
                Duration.ofSeconds(30), io);
        assertEquals(451, commit("b@example.net").code());
    }
}
