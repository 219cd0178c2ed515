package works.cast.relay.server.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;

class DueQueueTest {

    private static final Instant T0 = Instant.parse("2026-11-28T04:30:00Z");

    private final DueQueue<String> q = new DueQueue<String>(Comparator.<String>naturalOrder());

    private List<String> drain(Instant now) {
        List<String> out = new ArrayList<>();
        String s;
        while ((s = q.firstDue(now)) != null) {
            q.take(s);
            out.add(s);
        }
        return out;
    }

    @Test
    void dueItemsComeEarliestFirstThenByTieBreak() {
        q.schedule("c", T0.plusSeconds(1));
        q.schedule("b", T0);
        q.schedule("a", T0);
        q.schedule("later", T0.plusSeconds(60));
        assertEquals(List.of("a", "b", "c"), drain(T0.plusSeconds(1)));
        assertEquals(1, q.size());
        assertEquals(List.of("later"), drain(T0.plusSeconds(60)));
        assertEquals(0, q.size());
    }

    @Test
    void reschedulingMovesAnItemAndRemovingForgetsIt() {
        q.schedule("moved", T0);
        q.schedule("gone", T0);
        q.schedule("moved", T0.plusSeconds(30));
        q.remove("gone");
        assertNull(q.firstDue(T0.plusSeconds(29)), "the stale places are skipped");
        assertEquals(List.of("moved"), drain(T0.plusSeconds(30)));
        assertEquals(0, q.size(), "nothing is kept for removed or taken items");
    }
}
