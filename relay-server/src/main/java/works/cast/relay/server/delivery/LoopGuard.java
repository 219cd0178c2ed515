package works.cast.relay.server.delivery;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import works.cast.relay.server.net.Cidr;

/**
 * The addresses an MX host must not resolve to, so that mail never goes back into this relay (Postfix's "mail for X
 * loops back to myself"): the relay's SMTP listener addresses (this machine's interface addresses, and all of
 * loopback, when a listener is bound to 0.0.0.0 or ::), the unspecified address (0.0.0.0/8, ::), and loopback
 * (127/8, ::1) unless {@code allowLoopback}. The own-address check holds even when loopback is allowed. Thread-safe.
 */
final class LoopGuard {

    private static final Logger log = LoggerFactory.getLogger(LoopGuard.class);
    /** Interface addresses change (DHCP, failover); read them again at most this often. */
    private static final long REFRESH_NANOS = Duration.ofMinutes(1).toNanos();

    private final boolean allowLoopback;
    private final Set<InetAddress> listeners = new HashSet<>();
    private final boolean wildcard;
    private final Supplier<Set<InetAddress>> interfaces;
    private volatile Set<InetAddress> machine = Set.of();
    private volatile long readAt;
    private volatile boolean read;

    /** @param listenAddresses the relay's SMTP listener addresses, as IP literals */
    LoopGuard(boolean allowLoopback, List<String> listenAddresses) {
        this(allowLoopback, listenAddresses, LoopGuard::interfaceAddresses);
    }

    LoopGuard(boolean allowLoopback, List<String> listenAddresses, Supplier<Set<InetAddress>> interfaces) {
        this.allowLoopback = allowLoopback;
        boolean any = false;
        for (String text : listenAddresses) {
            InetAddress a = plain(Cidr.parseAddress(text));
            any |= a.isAnyLocalAddress();
            listeners.add(a);
        }
        this.wildcard = any;
        this.interfaces = interfaces;
    }

    /** Why the relay must not deliver to {@code address}, or empty when it may. */
    Optional<String> refusal(InetAddress address) {
        InetAddress a = plain(address);
        if (a.isAnyLocalAddress() || (a instanceof Inet4Address && a.getAddress()[0] == 0)) {
            return Optional.of("unspecified address " + a.getHostAddress());
        }
        if (listeners.contains(a) || wildcard && (a.isLoopbackAddress() || machine().contains(a))) {
            return Optional.of("address " + a.getHostAddress() + " is this relay's own");
        }
        if (a.isLoopbackAddress() && !allowLoopback) {
            return Optional.of("loopback address " + a.getHostAddress()
                    + " (relay.delivery.mx.allow-loopback = false)");
        }
        return Optional.empty();
    }

    private Set<InetAddress> machine() {
        long now = System.nanoTime();
        if (!read || now - readAt > REFRESH_NANOS) {
            machine = interfaces.get();
            readAt = now;
            read = true;
        }
        return machine;
    }

    /** An IPv4-mapped IPv6 address as the IPv4 address it is; IPv6 without its scope. */
    static InetAddress plain(InetAddress a) {
        byte[] b = a.getAddress();
        try {
            if (a instanceof Inet6Address) {
                boolean mapped = b[10] == (byte) 0xff && b[11] == (byte) 0xff;
                for (int i = 0; i < 10 && mapped; i++) {
                    mapped = b[i] == 0;
                }
                return mapped ? InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]})
                        : InetAddress.getByAddress(b);
            }
            return a;
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // cannot happen for 4 or 16 bytes
        }
    }

    private static Set<InetAddress> interfaceAddresses() {
        Set<InetAddress> out = new HashSet<>();
        try {
            NetworkInterface.networkInterfaces().forEach(i -> i.inetAddresses().forEach(a -> out.add(plain(a))));
        } catch (SocketException e) {
            log.warn("cannot list this machine's addresses for MX loop detection: {}", e.toString());
        }
        return out;
    }
}
