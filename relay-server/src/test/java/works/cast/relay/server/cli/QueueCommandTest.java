package works.cast.relay.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import works.cast.relay.core.mail.Envelope;
import works.cast.relay.server.message.AcceptedMessage;
import works.cast.relay.server.queue.FileMessageQueue;
import works.cast.relay.server.message.QueueEntry;
import works.cast.relay.server.message.QueueId;
import works.cast.relay.server.message.RecipientStatus;
import works.cast.relay.server.message.Reply;

class QueueCommandTest {

    @TempDir
    Path dir;

    private String out;
    private String err;

    private int run(String... args) {
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        CommandLine cl = new CommandLine(new QueueCommand());
        cl.setExecutionExceptionHandler(new CliErrors());
        cl.setOut(new PrintWriter(o));
        cl.setErr(new PrintWriter(e));
        int code = cl.execute(args);
        out = o.toString();
        err = e.toString();
        return code;
    }

    /** A stopped relay's queue with one message: a delivered, b deferred. */
    private QueueEntry queueOne(FileMessageQueue queue) throws Exception {
        QueueId id = QueueId.next();
        Files.writeString(queue.spoolFile(id), "Subject: hi\r\n\r\nbody\r\n");
        queue.commit(new AcceptedMessage(id, new Envelope("billing@cast.works",
                        List.of("a@example.net", "b@example.net"), false, false),
                "X-Test: 1\r\n".getBytes(StandardCharsets.US_ASCII), Instant.now(), "10.0.0.5",
                Optional.of("billing"), Optional.of("cast.works"), List.of(), 21), queue.spoolFile(id))
                .toCompletableFuture().get(30, TimeUnit.SECONDS);
        QueueEntry e = queue.load(id).orElseThrow();
        Instant later = Instant.parse("2030-01-01T00:00:00Z");
        QueueEntry changed = e.withRecipients(r -> r.address().startsWith("a")
                ? r.attempted(works.cast.relay.server.message.RecipientState.DELIVERED, later,
                        new Reply(250, "2.0.0", "Ok"), "smarthost mail.example.net:587", Optional.of("mail.example.net"))
                : r.attempted(works.cast.relay.server.message.RecipientState.PENDING, later,
                        new Reply(451, "4.4.1", "Connection timed out"), "smarthost mail.example.net:587",
                        Optional.of("mail.example.net")));
        queue.update(changed);
        return changed;
    }

    @Test
    void listPagesThroughALargeQueue() throws Exception {
        java.time.Instant t = java.time.Instant.parse("2026-11-28T04:30:00Z");
        List<works.cast.relay.server.message.QueueId> ids = works.cast.relay.server.queue.QueueFixtures.writeV2(dir, 5,
                200, "rcpt@example.net", t, t.plusSeconds(60));
        List<String> seen = new java.util.ArrayList<>();
        String after = null;
        for (int page = 0; page < 5; page++) {
            List<String> args = new java.util.ArrayList<>(List.of("list", "--limit", "2", "--queue-dir", dir.toString()));
            if (after != null) {
                args.addAll(List.of("--after", after));
            }
            assertEquals(0, run(args.toArray(String[]::new)), err);
            out.lines().filter(l -> l.matches("[0-9A-Z]{16}  age=.*")).forEach(l -> seen.add(l.substring(0, 16)));
            java.util.regex.Matcher more = java.util.regex.Pattern.compile("more: queue list --limit 2 --after (\\S+)")
                    .matcher(out);
            if (!more.find()) {
                assertTrue(out.contains("1 of 5 messages"), out);
                break;
            }
            assertTrue(out.contains("2 of 5 messages"), out);
            after = more.group(1);
        }
        assertEquals(ids.stream().map(works.cast.relay.server.message.QueueId::value).sorted().toList(), seen);
    }

    @Test
    void listShowRetryDeleteOnAStoppedRelay() throws Exception {
        QueueEntry e;
        try (FileMessageQueue queue = new FileMessageQueue(dir, Clock.systemUTC())) {
            e = queueOne(queue);
        }
        String id = e.id().value();

        assertEquals(0, run("list", "--queue-dir", dir.toString()), err);
        assertTrue(out.startsWith(id + "  age="), out);
        assertTrue(out.contains("from=<billing@cast.works>"), out);
        assertTrue(out.contains("attempts=1  next=2030-01-01T00:00:00Z"), out);
        assertTrue(out.contains("    a@example.net  delivered  attempts=1  last=\"250 2.0.0 Ok\""), out);
        assertTrue(out.contains("    b@example.net  pending  attempts=1  last=\"451 4.4.1 Connection timed out\""), out);
        assertTrue(out.endsWith("1 message\n") || out.endsWith("1 message\r\n"), out);

        assertEquals(0, run("show", id, "--queue-dir", dir.toString()), err);
        assertTrue(out.contains("user:       billing"), out);
        assertTrue(out.contains("last error: 451 4.4.1 Connection timed out"), out);
        assertTrue(out.contains("    upstream: smarthost mail.example.net:587"), out);

        assertEquals(0, run("list", "--json", "--queue-dir", dir.toString()), err);
        assertTrue(out.contains("\"id\": \"" + id + "\""), out);
        assertTrue(out.contains("{\"address\": \"b@example.net\", \"state\": \"pending\", \"attempts\": 1, "
                + "\"next_attempt\": \"2030-01-01T00:00:00Z\", \"last_reply\": \"451 4.4.1 Connection timed out\""), out);

        assertEquals(0, run("retry", id, "--queue-dir", dir.toString()), err);
        assertTrue(out.contains("retry " + id + ": done"), out);
        try (FileMessageQueue queue = new FileMessageQueue(dir, Clock.systemUTC())) {
            assertTrue(queue.load(e.id()).orElseThrow().nextAttempt().orElseThrow()
                    .isBefore(Instant.parse("2030-01-01T00:00:00Z")));
        }

        assertEquals(0, run("delete", id, "--queue-dir", dir.toString()), err);
        assertTrue(out.contains("delete " + id + ": done"), out);
        assertFalse(Files.exists(dir.resolve(id + ".msg")));
        assertFalse(Files.exists(dir.resolve(id + ".state")));

        assertEquals(1, run("show", id, "--queue-dir", dir.toString()));
        assertTrue(err.contains("no message " + id), err);
        assertEquals(0, run("list", "--queue-dir", dir.toString()), err);
        assertTrue(out.contains("0 messages"), out);
    }

    @Test
    void storedReplyTextsAreShownWithoutControlCharacters() throws Exception {
        QueueEntry e;
        try (FileMessageQueue queue = new FileMessageQueue(dir, Clock.systemUTC())) {
            e = queueOne(queue);
            e = e.withRecipients(r -> r.attempted(works.cast.relay.server.message.RecipientState.PENDING,
                    Instant.parse("2030-01-01T00:00:00Z"), new Reply(451, "4.4.1", "Try\u001b[2J later\rFAKE: 1"),
                    "mx\u001b]0;owned\u0007.example.net", Optional.empty()));
            queue.update(e);
        }
        for (String[] args : List.of(new String[] {"list"}, new String[] {"show", e.id().value()},
                new String[] {"list", "--json"})) {
            List<String> all = new java.util.ArrayList<>(List.of(args));
            all.addAll(List.of("--queue-dir", dir.toString()));
            assertEquals(0, run(all.toArray(new String[0])), err);
            assertFalse(out.chars().anyMatch(c -> c == 0x1b || c == 0x07 || c == '\r'), out);
            assertTrue(out.contains("Try?[2J later?FAKE: 1"), out);
        }
        assertTrue(out.contains("mx?]0;owned?.example.net"), out);
    }

    @Test
    void aRunningRelayGetsRequests() throws Exception {
        try (FileMessageQueue queue = new FileMessageQueue(dir, Clock.systemUTC())) {
            QueueEntry e = queueOne(queue);
            String id = e.id().value();
            assertEquals(0, run("retry", id, "--queue-dir", dir.toString()), err);
            assertTrue(out.contains("requested"), out);
            assertTrue(Files.exists(dir.resolve("control").resolve(id + ".retry")));
            assertEquals(0, run("retry", "--all", "--json", "--queue-dir", dir.toString()), err);
            assertEquals("{\"action\": \"retry\", \"target\": \"all\", \"outcome\": \"requested\"}", out.strip());
            assertTrue(Files.exists(dir.resolve("control").resolve("all.retry")));
            assertEquals(0, run("delete", id, "--queue-dir", dir.toString()), err);
            assertTrue(Files.exists(dir.resolve("control").resolve(id + ".delete")));
            assertTrue(Files.exists(dir.resolve(id + ".msg")), "the running relay deletes it");
        }
    }

    @Test
    void mistakesAreOneLineErrors() throws Exception {
        assertEquals(1, run("show", "nonsense", "--queue-dir", dir.toString()));
        assertTrue(err.contains("not a queue id"), err);
        assertEquals(1, run("retry", "--queue-dir", dir.toString()));
        assertTrue(err.contains("either a queue id or --all"), err);
        assertEquals(1, run("list", "--queue-dir", dir.resolve("missing").toString()));
        assertTrue(err.contains("does not exist"), err);
    }

    @Test
    void theQueueDirectoryComesFromTheConfig() throws Exception {
        Path conf = dir.resolve("relay.conf");
        Path q = dir.resolve("spool");
        Files.writeString(conf, "relay.queue.dir = \"" + q + "\"\n");
        try (FileMessageQueue queue = new FileMessageQueue(q, Clock.systemUTC())) {
            queueOne(queue);
        }
        assertEquals(0, run("list", "--config", conf.toString()), err);
        assertTrue(out.contains("1 message"), out);
    }
}
