package works.cast.relay.server.intake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import works.cast.relay.core.dkim.HeaderSelection;
import works.cast.relay.core.dkim.canon.Canonicalization;
import works.cast.relay.core.keys.KeyRing;
import works.cast.relay.core.mail.Domain;
import works.cast.relay.core.mail.Envelope;
import works.cast.relay.core.policy.DomainPolicy;
import works.cast.relay.core.policy.SigningPolicy;
import works.cast.relay.server.delivery.DirectoryOutbox;
import works.cast.relay.server.smtp.MessageSink;
import works.cast.relay.server.message.Reply;
import works.cast.relay.server.smtp.SessionInfo;

class IntakeMemoryTest {

    @Test
    void headerReservationsTakeAtMostThreeQuartersAndTheFirstAlwaysFits() {
        IntakeMemory m = new IntakeMemory(400);
        AtomicInteger retried = new AtomicInteger();
        assertTrue(m.tryReserve(1000, retried::incrementAndGet), "the first reservation fits whatever its size");
        assertFalse(m.tryReserve(1, retried::incrementAndGet));
        m.unreserve(1000);
        assertEquals(1, retried.get(), "the waiting DATA is told to try again");
        assertTrue(m.tryReserve(100, retried::incrementAndGet));
        assertTrue(m.tryReserve(100, retried::incrementAndGet));
        assertTrue(m.tryReserve(100, retried::incrementAndGet));
        assertFalse(m.tryReserve(100, retried::incrementAndGet), "300 of 400 reserved: no room for 100 more");
        assertEquals(2, m.waits());
        assertEquals(300, m.used());
        m.unreserve(100);
        assertEquals(2, retried.get());
        assertTrue(m.tryReserve(100, retried::incrementAndGet));
    }

    @Test
    void readersPausePastAQuarterAndResumeUnderAnEighth() {
        IntakeMemory m = new IntakeMemory(800);
        assertTrue(m.buffer(200));
        assertFalse(m.buffer(1), "201 of 800 buffered: past a quarter");
        AtomicInteger resumed = new AtomicInteger();
        m.whenCanBuffer(resumed::incrementAndGet);
        m.drained(100);
        assertEquals(0, resumed.get(), "101 buffered is not yet under an eighth");
        m.drained(2);
        assertEquals(1, resumed.get());
        m.whenCanBuffer(resumed::incrementAndGet);
        assertEquals(2, resumed.get(), "registered while there is room: runs at once");
    }

    @Test
    void autoIsAQuarterOfTheHeap() {
        assertEquals(Runtime.getRuntime().maxMemory() / 4, new IntakeMemory(0).limit());
    }

    /** Through the receiver: a DATA beyond the budget waits, runs when a message ends, and nothing stays charged. */
    @Test
    void receiverAdmitsMessagesWhileTheirHeadersFitAndReturnsEverything(@TempDir Path dir) throws Exception {
        ExecutorService io = Executors.newFixedThreadPool(2);
        try {
            IntakeMemory memory = new IntakeMemory(4 * 1024);
            SigningPolicy policy = new SigningPolicy(List.of(new DomainPolicy(new Domain("cast.works"), List.of())),
                    true, SigningPolicy.UnknownDomain.PASS, Canonicalization.RELAXED, Canonicalization.RELAXED,
                    HeaderSelection.DEFAULT_HEADERS, HeaderSelection.DEFAULT_OVERSIGN, Optional.empty(),
                    () -> new KeyRing(List.of()));
            SigningReceiver r = new SigningReceiver(io, policy,
                    new DirectoryOutbox(dir.resolve("outbox"), dir.resolve("spool")), "relay.test", 1024,
                    java.time.Clock.systemUTC(), new MessageLog(), SendingChecks.NONE, memory);
            SessionInfo s = new SessionInfo("s1", new InetSocketAddress("127.0.0.1", 40000), "app.test",
                    Optional.empty(), Set.of(), Optional.empty(), Optional.empty());
            Envelope env = new Envelope("app@example.org", List.of("rcpt@example.net"), false, false);

            // 3 KiB of 4 KiB may be reserved: three messages of 1 KiB headers.
            MessageSink[] open = new MessageSink[3];
            for (int i = 0; i < 3; i++) {
                assertTrue(r.admit(() -> { }));
                open[i] = r.open(s, env, () -> { });
            }
            CountDownLatch retry = new CountDownLatch(1);
            assertFalse(r.admit(retry::countDown), "a fourth DATA waits");

            byte[] msg = "From: app@example.org\r\nSubject: one\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);
            open[0].write(Unpooled.wrappedBuffer(msg));
            Reply reply = open[0].finish().toCompletableFuture().get(30, TimeUnit.SECONDS);
            assertEquals(250, reply.code(), reply.toString());
            assertTrue(retry.await(30, TimeUnit.SECONDS), "the waiting DATA is retried once a header is returned");
            assertTrue(r.admit(() -> { }));
            MessageSink fourth = r.open(s, env, () -> { });

            open[1].write(Unpooled.wrappedBuffer(msg));
            open[1].abort("client went away");
            open[2].write(Unpooled.wrappedBuffer(msg));
            assertEquals(250, open[2].finish().toCompletableFuture().get(30, TimeUnit.SECONDS).code());
            fourth.write(Unpooled.wrappedBuffer(msg));
            assertEquals(250, fourth.finish().toCompletableFuture().get(30, TimeUnit.SECONDS).code());
            // The clean-ups run on the messages' lanes of the two-thread pool, after the replies: observe them.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (memory.used() != 0 && System.nanoTime() < deadline) {
                io.submit(() -> { }).get(30, TimeUnit.SECONDS);
                Thread.yield();
            }
            assertEquals(0, memory.used(), "every reservation and buffered byte is given back");
        } finally {
            io.shutdownNow();
        }
    }
}
