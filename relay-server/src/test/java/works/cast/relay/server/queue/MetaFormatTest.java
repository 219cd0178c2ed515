package works.cast.relay.server.queue;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import works.cast.relay.server.message.QueueEntry;
import works.cast.relay.server.message.QueueId;
import works.cast.relay.server.message.RecipientState;
import works.cast.relay.server.message.RecipientStatus;
import works.cast.relay.server.message.Reply;

class MetaFormatTest {

    private static final Instant T0 = Instant.parse("2026-11-28T04:30:00Z");

    @Test
    void roundTripsEveryField() throws IOException {
        QueueEntry e = new QueueEntry(QueueId.next(), "bill ing+x@cast.works", List.of(
                RecipientStatus.pending("a@example.net", T0),
                new RecipientStatus("ü@example.jp", RecipientState.PENDING, 2, T0.plusSeconds(300),
                        Optional.of(new Reply(451, "4.4.1", List.of("line one", "line two = 100%"))),
                        Optional.of("smarthost mail.example.net:587"), Optional.of("mail.example.net")),
                new RecipientStatus("c@example.net", RecipientState.FAILED, 1, T0,
                        Optional.of(new Reply(550, "", "No")), Optional.empty(), Optional.empty()),
                new RecipientStatus("d@example.net", RecipientState.EXPIRED, 9, T0,
                        Optional.of(new Reply(421, "", "")), Optional.of("mx"), Optional.of("mx1.example.org"))),
                T0, 1234, true, true, "X-A: \u00e9\r\n".getBytes(StandardCharsets.UTF_8), "::1", Optional.empty());
        byte[] written = MetaFormat.write(e);
        QueueEntry back = MetaFormat.parse(written, "x.meta");
        assertEquals(e.recipients(), back.recipients());
        assertEquals(e.reversePath(), back.reversePath());
        assertArrayEquals(e.prepend(), back.prepend());
        assertEquals(List.of(e.id(), e.received(), e.size(), e.eightBit(), e.smtpUtf8(), e.client(), e.authUser()),
                List.of(back.id(), back.received(), back.size(), back.eightBit(), back.smtpUtf8(), back.client(),
                        back.authUser()));
        assertTrue(new String(written, StandardCharsets.UTF_8).lines().allMatch(l -> !l.contains("\r")));
    }

    @Test
    void nullSenderSurvives() throws IOException {
        QueueEntry e = new QueueEntry(QueueId.next(), "", List.of(RecipientStatus.pending("a@example.net", T0)),
                T0, 1, false, false, new byte[0], "local", Optional.of("u"));
        QueueEntry back = MetaFormat.parse(MetaFormat.write(e), "x.meta");
        assertTrue(back.isNullSender());
        assertEquals(Optional.of("u"), back.authUser());
    }

    @Test
    void truncatedFileIsRejected() {
        QueueEntry e = new QueueEntry(QueueId.next(), "a@b.example", List.of(RecipientStatus.pending("c@d.example", T0)),
                T0, 1, false, false, new byte[0], "local", Optional.empty());
        byte[] full = MetaFormat.write(e);
        byte[] cut = java.util.Arrays.copyOf(full, full.length - 3);
        IOException x = assertThrows(IOException.class, () -> MetaFormat.parse(cut, "q/x.meta"));
        assertTrue(x.getMessage().startsWith("meta file q/x.meta"), x.getMessage());
    }
}
