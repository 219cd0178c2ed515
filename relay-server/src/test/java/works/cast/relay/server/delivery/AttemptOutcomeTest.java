package works.cast.relay.server.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import works.cast.relay.server.message.DeliveryResult;
import works.cast.relay.server.message.QueueEntry;
import works.cast.relay.server.message.QueueId;
import works.cast.relay.server.message.RecipientState;
import works.cast.relay.server.message.RecipientStatus;
import works.cast.relay.server.message.Reply;

/** The bookkeeping of one attempt, as tables: result, attempts so far and age in, state and next attempt out. */
class AttemptOutcomeTest {

    private static final Instant T0 = Instant.parse("2026-11-28T04:30:00Z");
    private static final RetrySchedule SCHEDULE = new RetrySchedule(
            List.of(Duration.ofMinutes(1), Duration.ofMinutes(5), Duration.ofMinutes(15)), Duration.ofHours(1));
    private static final String UPSTREAM = "smarthost mail.example.net:587";

    private static QueueEntry entry(RecipientStatus... rcpts) {
        return new QueueEntry(new QueueId("01M8G7AXBZG4C5YF"), "app@cast.works", List.of(rcpts), T0, 10, false,
                false, new byte[0], "10.0.0.5", Optional.empty());
    }

    private static DeliveryResult result(String kind) {
        return switch (kind) {
            case "2xx" -> new DeliveryResult.Delivered(new Reply(250, "2.0.0", "Ok"));
            case "4xx" -> new DeliveryResult.Deferred(new Reply(451, "4.4.1", "Try again later"));
            case "5xx" -> new DeliveryResult.Failed(new Reply(550, "5.1.1", "No such user"));
            default -> throw new IllegalArgumentException(kind);
        };
    }

    @ParameterizedTest(name = "{0} after {1} attempts at +{2}m: {3}, next +{4}m")
    @CsvSource({
            // result, attempts before, minutes since received, new state, next attempt (minutes since received)
            "2xx, 0,  0, DELIVERED,  0",
            "5xx, 0,  0, FAILED,     0",
            "4xx, 0,  0, PENDING,    1",
            "4xx, 1,  1, PENDING,    6",
            "4xx, 2,  6, PENDING,   21",
            "4xx, 3, 21, PENDING,   36",   // the last wait repeats
            "4xx, 5, 51, PENDING,   60",   // the last attempt is at max-age, not after it
            "4xx, 6, 60, EXPIRED,   60",
            "2xx, 6, 60, DELIVERED, 60",   // a late success still counts
            "5xx, 2,  6, FAILED,     6",
    })
    void oneRecipient(String kind, int attempts, int minutes, RecipientState state, int nextMinutes) {
        Instant now = T0.plus(Duration.ofMinutes(minutes));
        RecipientStatus r = new RecipientStatus("a@example.net", RecipientState.PENDING, attempts, now,
                Optional.empty(), Optional.empty(), Optional.empty());
        AttemptOutcome.Result out = AttemptOutcome.of(entry(r), List.of("a@example.net"),
                Map.of("a@example.net", result(kind)), Optional.empty(), SCHEDULE, now, UPSTREAM);
        RecipientStatus after = out.entry().recipients().get(0);
        assertEquals(state, after.state());
        assertEquals(attempts + 1, after.attempts());
        assertEquals(T0.plus(Duration.ofMinutes(nextMinutes)), after.nextAttempt());
        assertEquals(result(kind).reply(), after.lastReply().orElseThrow());
        assertEquals(Optional.of(UPSTREAM), after.remote());
        assertEquals(List.of(new AttemptOutcome.Line("a@example.net", result(kind), after)), out.lines());
    }

    @Test
    void theServerThatAnsweredIsKeptForTheBounce() {
        RecipientStatus r = RecipientStatus.pending("a@example.net", T0);
        AttemptOutcome.Result out = AttemptOutcome.of(entry(r), List.of("a@example.net"),
                Map.of("a@example.net", new DeliveryResult.Failed(new Reply(550, "5.1.1", "No such user"),
                        Optional.of("mx1.example.org"))), Optional.empty(), SCHEDULE, T0, UPSTREAM);
        RecipientStatus after = out.entry().recipients().get(0);
        assertEquals(Optional.of("mx1.example.org"), after.remoteHost());
        assertEquals(Optional.of(UPSTREAM), after.remote(), "the forwarder's description stays for listings");
    }

    @Test
    void onlyThePendingRecipientsTriedChange() {
        RecipientStatus done = RecipientStatus.pending("done@example.net", T0)
                .attempted(RecipientState.DELIVERED, T0, new Reply(250, "2.0.0", "Ok"), UPSTREAM, Optional.empty());
        RecipientStatus tried = RecipientStatus.pending("tried@example.net", T0);
        RecipientStatus notTried = RecipientStatus.pending("later@example.net", T0);
        AttemptOutcome.Result out = AttemptOutcome.of(entry(done, tried, notTried), List.of("tried@example.net"),
                Map.of("tried@example.net", result("5xx")), Optional.empty(), SCHEDULE, T0, UPSTREAM);
        assertEquals(List.of(done, out.entry().recipients().get(1), notTried), out.entry().recipients());
        assertEquals(RecipientState.FAILED, out.entry().recipients().get(1).state());
        assertEquals(List.of("failed"), out.lines().stream().map(AttemptOutcome.Line::label).toList());
    }

    @ParameterizedTest(name = "no result, forwarder failure {0}: {1}")
    @CsvSource(nullValues = "none", value = {
            "none,            451 4.3.0 No result from the forwarder",
            "connection lost, 451 4.3.0 Local error: java.io.IOException: connection lost",
    })
    void aMissingResultDefers(String failure, String reply) {
        RecipientStatus r = RecipientStatus.pending("a@example.net", T0);
        AttemptOutcome.Result out = AttemptOutcome.of(entry(r), List.of("a@example.net"), Map.of(),
                Optional.ofNullable(failure).map(java.io.IOException::new), SCHEDULE, T0, UPSTREAM);
        RecipientStatus after = out.entry().recipients().get(0);
        assertEquals(RecipientState.PENDING, after.state());
        assertEquals(T0.plus(Duration.ofMinutes(1)), after.nextAttempt());
        assertEquals(reply, after.lastReply().orElseThrow().summary());
        assertEquals("deferred", out.lines().get(0).label());
    }
}
