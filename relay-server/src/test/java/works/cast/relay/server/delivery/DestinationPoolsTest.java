package works.cast.relay.server.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The per-destination pools of MX delivery stay within their cap, dropping idle pools before busy ones. */
class DestinationPoolsTest {

    private final ExecutorService io = Executors.newCachedThreadPool();
    private UpstreamTransport transport;
    private ScriptedSmtpServer server;
    private DestinationPools pools;

    @BeforeEach
    void start() throws Exception {
        transport = new UpstreamTransport("pools-test", 1);
        server = new ScriptedSmtpServer();
    }

    @AfterEach
    void stop() throws Exception {
        if (pools != null) {
            pools.close();
        }
        server.close();
        transport.close();
        io.shutdownNow();
    }

    private Supplier<CompletableFuture<UpstreamSession>> opener() {
        return () -> UpstreamSession.open(transport.bootstrap(), new InetSocketAddress("127.0.0.1", server.port()),
                "sink.test", Messages.plain(Duration.ofSeconds(5)), io);
    }

    private DestinationPools.Lease lease(String domain) throws Exception {
        return pools.acquire(domain, opener()).get(10, TimeUnit.SECONDS);
    }

    @Test
    void anIdlePoolMakesRoomBeforeABusyOneThatIsOlder() throws Exception {
        pools = new DestinationPools(2, 2, Duration.ofMinutes(1), transport.group());
        DestinationPools.Lease busy = lease("busy.test");
        DestinationPools.Lease idle = lease("idle.test");
        idle.release();
        DestinationPools.Lease fresh = lease("fresh.test");
        assertEquals(2, pools.size());
        assertEquals(1, pools.opened("busy.test"), "the busy pool stays");
        assertEquals(0, pools.opened("idle.test"), "the idle pool went");
        eventually(() -> quits() == 1, "the dropped pool's idle session quit");
        busy.release();
        fresh.release();
    }

    @Test
    void withNothingIdleTheLeastRecentlyUsedGoesAndItsSessionQuitsAfterItsMessage() throws Exception {
        pools = new DestinationPools(1, 2, Duration.ofMinutes(1), transport.group());
        DestinationPools.Lease first = lease("first.test");
        DestinationPools.Lease second = lease("second.test");
        assertEquals(1, pools.size());
        assertEquals(0, pools.opened("first.test"));
        assertEquals(0, quits(), "a busy session is not cut off");
        first.release();
        eventually(() -> quits() == 1, "released to a dropped pool, the session quits instead of idling");
        DestinationPools.Lease again = lease("first.test");
        assertNotSame(first.pool(), again.pool(), "the destination gets a new pool");
        assertEquals(3, server.connections.get());
        second.release();
        again.release();
    }

    @Test
    void unusedPoolsAreDroppedAfterTheIdleTimeAndTheirSessionsQuit() throws Exception {
        pools = new DestinationPools(100, 2, Duration.ofMillis(200), transport.group());
        for (int i = 0; i < 5; i++) {
            lease("d" + i + ".test").release();
        }
        assertEquals(5, pools.size());
        eventually(() -> pools.size() == 0, "unused pools are dropped");
        eventually(() -> quits() == 5, "their sessions quit");
    }

    private long quits() {
        return server.commands.stream().filter(c -> c.equalsIgnoreCase("QUIT")).count();
    }

    private static void eventually(java.util.function.BooleanSupplier condition, String what) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + ": not within 10 s");
            }
            Thread.sleep(20);
        }
    }
}
