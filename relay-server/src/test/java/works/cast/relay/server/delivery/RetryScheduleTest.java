package works.cast.relay.server.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import works.cast.relay.server.config.QueueConfig;

class RetryScheduleTest {

    private static final Instant T0 = Instant.parse("2026-11-28T04:30:00Z");
    private final RetrySchedule schedule = RetrySchedule.of(new QueueConfig(Path.of("q"),
            List.of(Duration.ofMinutes(1), Duration.ofMinutes(5), Duration.ofHours(1)), Duration.ofDays(1)));

    @Test
    void waitsInTurnAndTheLastRepeats() {
        assertEquals(Duration.ofMinutes(1), schedule.wait(1));
        assertEquals(Duration.ofMinutes(5), schedule.wait(2));
        assertEquals(Duration.ofHours(1), schedule.wait(3));
        assertEquals(Duration.ofHours(1), schedule.wait(40));
        assertEquals(T0.plusSeconds(60), schedule.next(T0, T0, 1));
    }

    @Test
    void neverSchedulesPastMaxAge() {
        Instant late = T0.plus(Duration.ofHours(23)).plus(Duration.ofMinutes(30));
        assertEquals(T0.plus(Duration.ofDays(1)), schedule.next(T0, late, 9));
        assertFalse(schedule.expired(T0, late));
        assertTrue(schedule.expired(T0, T0.plus(Duration.ofDays(1))));
    }

    @Test
    void rejectsAnEmptySchedule() {
        assertThrows(IllegalArgumentException.class, () -> new RetrySchedule(List.of(), Duration.ofDays(1)));
        assertThrows(IllegalArgumentException.class,
                () -> new RetrySchedule(List.of(Duration.ZERO), Duration.ofDays(1)));
    }

}
