package works.cast.relay.server.sender;

import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the {@link DomainChecker} for every signing domain at startup and then once a day, on a thread of its own
 * (DNS lookups may take seconds), logs one INFO summary and one WARN line per problem, and keeps the last reports
 * for {@code /metrics} ({@code dkim_relay_domain_check}) and the console. Warnings only: mail is never refused for
 * what DNS says.
 */
public final class SenderCheckRunner implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SenderCheckRunner.class);

    private final DomainChecker checker;
    private final Supplier<List<String>> domains;
    private final Duration every;
    private final ScheduledExecutorService timer;
    private volatile Map<String, DomainReport> reports = Map.of();
    private volatile java.time.Instant lastRound;

    public SenderCheckRunner(DomainChecker checker, Supplier<List<String>> domains, Duration every) {
        this.checker = checker;
        this.domains = domains;
        this.every = every;
        this.timer = Executors.newSingleThreadScheduledExecutor(
                new DefaultThreadFactory("sender-dns-checks", true));
    }

    /** Checks now, in the background, and then every period. */
    public void start() {
        timer.scheduleWithFixedDelay(this::runOnce, 0, every.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** One round over every domain; also what a test calls. */
    public Map<String, DomainReport> runOnce() {
        Map<String, DomainReport> out = new LinkedHashMap<>();
        for (String d : domains.get()) {
            try {
                DomainReport r = checker.check(d);
                out.put(d, r);
                log.info("sender check {}", r.summary());
                r.warnings().forEach(w -> log.warn("sender check domain={}: {}", d, w));
            } catch (RuntimeException e) {
                log.warn("sender check domain={} failed: {}", d, e.toString());
            }
        }
        reports = Collections.unmodifiableMap(out);
        lastRound = java.time.Instant.now();
        return reports;
    }

    /** The reports of the last round, by domain; empty before the first round ends. */
    public Map<String, DomainReport> reports() {
        return reports;
    }

    /** When the last round ended; empty before the first. */
    public java.util.Optional<java.time.Instant> lastRound() {
        return java.util.Optional.ofNullable(lastRound);
    }

    /** The addresses of this host that receivers can see: global unicast, not loopback, link-local or private. */
    public static List<InetAddress> hostAddresses() {
        List<InetAddress> out = new ArrayList<>();
        try {
            for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                for (InetAddress a : Collections.list(nic.getInetAddresses())) {
                    boolean local = a.isLoopbackAddress() || a.isLinkLocalAddress() || a.isSiteLocalAddress()
                            || a.isAnyLocalAddress() || a.isMulticastAddress()
                            || (a instanceof Inet6Address && (a.getAddress()[0] & 0xfe) == 0xfc);
                    if (!local) {
                        out.add(a);
                    }
                }
            }
        } catch (SocketException e) {
            log.debug("cannot list network interfaces: {}", e.toString());
        }
        return out;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
