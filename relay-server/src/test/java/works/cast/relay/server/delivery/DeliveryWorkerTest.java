package works.cast.relay.server.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.mail.Session;
import jakarta.mail.internet.ContentType;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import works.cast.relay.server.bounce.Bouncer;
import works.cast.relay.server.bounce.DsnBuilder;
import works.cast.relay.server.message.DeliveryResult;
import works.cast.relay.server.message.QueueEntry;
import works.cast.relay.server.message.QueueId;
import works.cast.relay.server.message.RecipientState;
import works.cast.relay.server.message.RecipientStatus;
import works.cast.relay.server.message.TestMessages;
import works.cast.relay.server.queue.FileMessageQueue;
import works.cast.relay.server.queue.MutableClock;
import works.cast.relay.server.queue.QueueControl;

class DeliveryWorkerTest {

    private static final Instant T0 = Instant.parse("2026-11-28T04:30:00Z");
    private static final String SENDER = "billing@cast.works";

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(T0);
    private final RecordingForwarder forwarder = new RecordingForwarder();
    private FileMessageQueue queue;
    private DeliveryWorker worker;

    @BeforeEach
    void open() throws IOException {
        start(4);
    }

    private void start(int maxInFlight) throws IOException {
        queue = new FileMessageQueue(dir, clock);
        worker = new DeliveryWorker(queue, forwarder,
                new RetrySchedule(List.of(Duration.ofMinutes(1), Duration.ofMinutes(5)), Duration.ofMinutes(10)),
                new Bouncer(queue, new DsnBuilder("relay.cast.works", clock)), maxInFlight, clock, false);
        worker.start(queue.recover());
    }

    @AfterEach
    void close() throws IOException {
        worker.close();
        queue.close();
    }

    private static <T> T get(Future<T> f) throws Exception {
        return f.get(30, TimeUnit.SECONDS);
    }

    private QueueEntry commit(String from, String... rcpts) throws Exception {
        return TestMessages.commit(queue, from, List.of(rcpts), clock.instant());
    }

    private List<QueueEntry> queued() throws IOException {
        return new QueueControl(dir).list();
    }

    @Test
    void theSchedulerNeverWaitsForTheSideFilesFsync() throws Exception {
        worker.close();
        queue.close();
        queue = new FileMessageQueue(dir, clock);
        HeldStore held = new HeldStore(queue);
        worker = new DeliveryWorker(held, forwarder, new RetrySchedule(List.of(Duration.ofMinutes(1)),
                Duration.ofMinutes(10)), new Bouncer(held, new DsnBuilder("relay.cast.works", clock)), 4, clock,
                false);
        worker.start(queue.recover());
        QueueEntry e = commit(SENDER, "a@example.net");
        held.hold();
        forwarder.thenAll(DeliveryResult.Deferred::new, RecordingForwarder.BUSY);
        CompletableFuture<Void> round = worker.runDue();
        QueueEntry other = commit(SENDER, "b@example.net");
        assertEquals(2, get(worker.size()), "the scheduler answers while the write is held");
        CompletableFuture<Boolean> deleted = worker.delete(other.id());
        assertEquals(1, get(worker.size()), "and acts on requests");
        assertFalse(round.isDone(), "the round ends once the new state is durable");
        assertFalse(deleted.isDone(), "a delete completes once the files are gone");
        held.release();
        get(round);
        assertTrue(get(deleted));
        assertEquals(1, queue.load(e.id()).orElseThrow().attempts());
        clock.advance(Duration.ofMinutes(1));
        forwarder.thenAll(DeliveryResult.Delivered::new, RecordingForwarder.OK);
        get(worker.runDue());
        assertEquals(List.of(), queued());
    }

    @Test
    void theSchedulerNeverWaitsForABouncesCommit() throws Exception {
        worker.close();
        queue.close();
        queue = new FileMessageQueue(dir, clock);
        HeldStore held = new HeldStore(queue);
        worker = new DeliveryWorker(held, forwarder, new RetrySchedule(List.of(Duration.ofMinutes(1)),
                Duration.ofMinutes(10)), new Bouncer(held, new DsnBuilder("relay.cast.works", clock)), 4, clock,
                false);
        worker.start(queue.recover());
        QueueEntry e = commit(SENDER, "a@example.net");
        held.hold();
        forwarder.thenAll(DeliveryResult.Failed::new, RecordingForwarder.NO_USER);
        CompletableFuture<Void> round = worker.runDue();
        assertEquals(1, get(worker.size()), "the scheduler answers while the report's commit is held");
        assertFalse(round.isDone(), "the round ends once the report is queued and the message removed");
        assertTrue(Files.exists(dir.resolve(e.id() + ".msg")), "kept until its report is durable");
        held.release();
        get(round);
        assertEquals(1, get(worker.size()), "the report");
        List<QueueEntry> left = queued();
        assertEquals(1, left.size());
        assertTrue(left.get(0).isNullSender(), "only the report is left");
    }

    @Test
    void deferredThenDelivered() throws Exception {
        QueueEntry e = commit(SENDER, "a@example.net");
        forwarder.thenAll(DeliveryResult.Deferred::new, RecordingForwarder.BUSY);
        get(worker.runDue());

        RecordingForwarder.Call call = forwarder.calls().get(0);
        assertEquals(SENDER, call.message().reversePath());
        assertEquals(List.of("a@example.net"), call.message().recipients());
        assertEquals(TestMessages.PREPEND + TestMessages.BODY, new String(call.content(), StandardCharsets.US_ASCII));
        assertEquals(call.content().length, call.message().size());
        RecipientStatus a = queue.load(e.id()).orElseThrow().recipients().get(0);
        assertEquals(RecipientState.PENDING, a.state());
        assertEquals(1, a.attempts());
        assertEquals(T0.plus(Duration.ofMinutes(1)), a.nextAttempt());
        assertEquals("451 4.4.1 Try again later", a.lastReply().orElseThrow().summary());
        assertEquals("smarthost mail.example.net:587", a.remote().orElseThrow());

        get(worker.runDue());
        assertEquals(1, forwarder.calls().size(), "not due yet");

        clock.advance(Duration.ofMinutes(1));
        forwarder.thenAll(DeliveryResult.Delivered::new, RecordingForwarder.OK);
        get(worker.runDue());
        assertEquals(2, forwarder.calls().size());
        assertEquals(List.of(), queued());
        assertFalse(Files.exists(dir.resolve(e.id() + ".msg")));
        assertEquals(0, get(worker.size()));
    }

    @Test
    void permanentFailureSendsExactlyOneReportToTheSender() throws Exception {
        QueueEntry e = commit(SENDER, "a@example.net");
        // the server that refused is the forwarder's to report: not the host of its description (mail.example.net)
        forwarder.thenAll(r -> new DeliveryResult.Failed(r, Optional.of("mx1.example.org")),
                RecordingForwarder.NO_USER);
        get(worker.runDue());

        List<QueueEntry> left = queued();
        assertEquals(1, left.size());
        QueueEntry dsn = left.get(0);
        assertTrue(dsn.isNullSender());
        assertEquals(List.of(SENDER), dsn.recipients().stream().map(RecipientStatus::address).toList());
        assertFalse(Files.exists(dir.resolve(e.id() + ".msg")));

        forwarder.thenAll(DeliveryResult.Delivered::new, RecordingForwarder.OK);
        get(worker.runDue());
        RecordingForwarder.Call sent = forwarder.calls().get(1);
        assertEquals("", sent.message().reversePath());
        assertEquals(List.of(SENDER), sent.message().recipients());

        MimeMessage report = new MimeMessage(Session.getInstance(new Properties()),
                new ByteArrayInputStream(sent.content()));
        ContentType type = new ContentType(report.getContentType());
        assertTrue(type.match("multipart/report"), report.getContentType());
        assertEquals("delivery-status", type.getParameter("report-type"));
        InternetAddress from = (InternetAddress) report.getFrom()[0];
        assertEquals("MAILER-DAEMON@relay.cast.works", from.getAddress());
        assertEquals("Mail Delivery System", from.getPersonal());
        assertEquals(SENDER, ((InternetAddress) report.getRecipients(MimeMessage.RecipientType.TO)[0]).getAddress());
        MimeMultipart parts = (MimeMultipart) report.getContent();
        assertEquals(3, parts.getCount());
        assertTrue(parts.getBodyPart(0).isMimeType("text/plain"));
        assertTrue(parts.getBodyPart(1).isMimeType("message/delivery-status"));
        String status = new String(parts.getBodyPart(1).getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        assertTrue(status.startsWith("Reporting-MTA: dns; relay.cast.works\r\n"), status);
        for (String field : List.of("Arrival-Date: Sat, 28 Nov 2026 04:30:00 +0000", "Final-Recipient: rfc822; a@example.net",
                "Action: failed", "Status: 5.1.1", "Remote-MTA: dns; mx1.example.org",
                "Diagnostic-Code: smtp; 550 5.1.1 No such user")) {
            assertTrue(status.contains(field + "\r\n"), field + " in\n" + status);
        }
        assertTrue(parts.getBodyPart(2).isMimeType("text/rfc822-headers"));
        String headers = new String(parts.getBodyPart(2).getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        assertTrue(headers.startsWith(TestMessages.PREPEND) && headers.contains("Subject: Invoice\r\n"), headers);
        assertFalse(headers.contains("Hello"), "headers only");
        assertEquals(List.of(), queued());
    }

    @Test
    void aFailingReportIsNeverBounced() throws Exception {
        commit("", SENDER);
        forwarder.thenAll(DeliveryResult.Failed::new, RecordingForwarder.NO_USER);
        get(worker.runDue());
        assertEquals(List.of(), queued());
        get(worker.runDue());
        assertEquals(1, forwarder.calls().size());
    }

    @Test
    void recipientsEndSeparatelyAndOneReportListsTheFailedOnes() throws Exception {
        QueueEntry e = commit(SENDER, "a@example.net", "b@example.net", "c@example.net");
        forwarder.then(Map.of("a@example.net", new DeliveryResult.Delivered(RecordingForwarder.OK),
                "b@example.net", new DeliveryResult.Failed(RecordingForwarder.NO_USER),
                "c@example.net", new DeliveryResult.Deferred(RecordingForwarder.BUSY)));
        get(worker.runDue());
        assertEquals(List.of(RecipientState.DELIVERED, RecipientState.FAILED, RecipientState.PENDING),
                queue.load(e.id()).orElseThrow().recipients().stream().map(RecipientStatus::state).toList());
        assertEquals(1, queued().size(), "no report while a recipient is pending");

        clock.advance(Duration.ofMinutes(1));
        forwarder.then(Map.of("c@example.net", new DeliveryResult.Delivered(RecordingForwarder.OK)));
        get(worker.runDue());
        assertEquals(List.of("c@example.net"), forwarder.calls().get(1).message().recipients());
        List<QueueEntry> left = queued();
        assertEquals(1, left.size());
        assertTrue(left.get(0).isNullSender());
        String dsn = Files.readString(dir.resolve(left.get(0).id() + ".msg"), StandardCharsets.US_ASCII);
        assertTrue(dsn.contains("Final-Recipient: rfc822; b@example.net"), dsn);
        assertFalse(dsn.contains("Final-Recipient: rfc822; a@example.net"), dsn);
        assertFalse(dsn.contains("Final-Recipient: rfc822; c@example.net"), dsn);
    }

    @Test
    void deferredPastMaxAgeExpires() throws Exception {
        QueueEntry e = commit(SENDER, "a@example.net");
        for (Duration step : List.of(Duration.ZERO, Duration.ofMinutes(1), Duration.ofMinutes(5))) {
            clock.advance(step);
            forwarder.thenAll(DeliveryResult.Deferred::new, RecordingForwarder.BUSY);
            get(worker.runDue());
        }
        assertEquals(T0.plus(Duration.ofMinutes(10)), queue.load(e.id()).orElseThrow().nextAttempt().orElseThrow(),
                "the last attempt is at max-age, not after it");
        clock.advance(Duration.ofMinutes(4));
        forwarder.thenAll(DeliveryResult.Deferred::new, RecordingForwarder.BUSY);
        get(worker.runDue());
        assertEquals(4, forwarder.calls().size());
        List<QueueEntry> left = queued();
        assertEquals(1, left.size());
        assertTrue(left.get(0).isNullSender());
        String dsn = Files.readString(dir.resolve(left.get(0).id() + ".msg"), StandardCharsets.US_ASCII);
        assertTrue(dsn.contains("Action: failed\r\nStatus: 4.4.7\r\n"), dsn);
        assertTrue(dsn.contains("Diagnostic-Code: smtp; 451 4.4.1 Try again later"), dsn);
    }

    @Test
    void messagesInFlightAreBounded() throws Exception {
        worker.close();
        queue.close();
        start(1);
        commit(SENDER, "a@example.net");
        commit(SENDER, "b@example.net");
        CompletableFuture<Map<String, DeliveryResult>> held = forwarder.thenHold();
        CompletableFuture<Void> round = worker.runDue();
        get(worker.size());
        assertEquals(1, forwarder.calls().size());
        held.complete(Map.of(forwarder.calls().get(0).message().recipients().get(0),
                new DeliveryResult.Delivered(RecordingForwarder.OK)));
        get(round);
        forwarder.thenAll(DeliveryResult.Delivered::new, RecordingForwarder.OK);
        get(worker.runDue());
        assertEquals(2, forwarder.calls().size());
        assertEquals(List.of(), queued());
    }

    @Test
    void deletingAMessageInFlightRemovesItWhenTheAttemptEnds() throws Exception {
        QueueEntry e = commit(SENDER, "a@example.net");
        CompletableFuture<Map<String, DeliveryResult>> held = forwarder.thenHold();
        CompletableFuture<Void> round = worker.runDue();
        get(worker.size());
        assertTrue(get(worker.delete(e.id())));
        assertTrue(Files.exists(dir.resolve(e.id() + ".msg")), "kept while the attempt runs");
        held.complete(Map.of("a@example.net", new DeliveryResult.Failed(RecordingForwarder.NO_USER)));
        get(round);
        assertEquals(List.of(), queued(), "removed, and no bounce");
        assertEquals(0, get(worker.size()));
    }

    @Test
    void theQueueCommandReachesTheRunningRelay() throws Exception {
        QueueEntry e = commit(SENDER, "a@example.net");
        forwarder.thenAll(DeliveryResult.Deferred::new, RecordingForwarder.BUSY);
        get(worker.runDue());
        QueueControl control = new QueueControl(dir);
        assertTrue(control.relayRunning());
        assertEquals(QueueControl.Outcome.REQUESTED, control.retry(e.id()));
        assertTrue(Files.exists(dir.resolve("control").resolve(e.id() + ".retry")));
        get(worker.pollControl());
        assertEquals(List.of(), TestMessages.names(dir.resolve("control")));
        forwarder.thenAll(DeliveryResult.Delivered::new, RecordingForwarder.OK);
        get(worker.runDue());
        assertEquals(2, forwarder.calls().size(), "due at once after the retry request");

        QueueEntry other = commit(SENDER, "b@example.net");
        assertEquals(QueueControl.Outcome.REQUESTED, control.delete(other.id()));
        assertEquals(QueueControl.Outcome.NOT_FOUND, control.delete(QueueId.next()));
        get(worker.pollControl());
        assertEquals(List.of(), queued());
        get(worker.runDue());
        assertEquals(2, forwarder.calls().size());
    }

    @Test
    void recoveredMessagesAreDelivered() throws Exception {
        QueueEntry e = commit(SENDER, "a@example.net");
        worker.close();
        queue.close();
        start(4);
        forwarder.thenAll(DeliveryResult.Delivered::new, RecordingForwarder.OK);
        get(worker.runDue());
        assertEquals(e.id(), forwarder.calls().get(0).message().id());
        assertEquals(List.of(), queued());
    }

    @Test
    void onItsOwnTheWorkerDeliversNewMessagesAndHearsTheQueueCommand() throws Exception {
        worker.close();
        queue.close();
        queue = new FileMessageQueue(dir, clock);
        worker = new DeliveryWorker(queue, forwarder, new RetrySchedule(List.of(Duration.ofMinutes(1)),
                Duration.ofHours(1)), new Bouncer(queue, new DsnBuilder("relay.cast.works", clock)), 4, clock);
        worker.start(queue.recover());
        forwarder.thenAll(DeliveryResult.Deferred::new, RecordingForwarder.BUSY);
        QueueEntry e = commit(SENDER, "a@example.net");
        awaitCalls(1);
        forwarder.thenAll(DeliveryResult.Delivered::new, RecordingForwarder.OK);
        assertEquals(QueueControl.Outcome.REQUESTED, new QueueControl(dir).retry(e.id()));
        awaitCalls(2);
        for (int i = 0; i < 3000 && !queued().isEmpty(); i++) {
            Thread.sleep(10);
        }
        assertEquals(List.of(), queued());
    }

    /** Bounded wait for the worker's own thread; no assertion on how long it takes. */
    private void awaitCalls(int n) throws InterruptedException {
        for (int i = 0; i < 3000 && forwarder.calls().size() < n; i++) {
            Thread.sleep(10);
        }
        assertEquals(n, forwarder.calls().size());
    }
}
