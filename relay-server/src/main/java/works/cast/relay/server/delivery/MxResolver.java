package works.cast.relay.server.delivery;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;
import works.cast.relay.server.dns.DnsAnswer;
import works.cast.relay.server.dns.DnsClient;
import works.cast.relay.server.dns.DnsServers;

/**
 * Finds where a domain's mail goes (RFC 5321 section 5.1): its MX hosts by preference, equal preferences in random
 * order; the domain itself when it has no MX (the implicit MX); nothing for a null MX (RFC 7505) or a domain that
 * does not exist. Asks through the relay's {@link DnsClient} ({@code relay.dns.servers}, or the system's resolvers).
 *
 * <p>Never blocks: the futures complete on the given executor (the delivery's event loop), so callers' stages run
 * where they ran before. Thread-safe.
 */
public final class MxResolver implements AutoCloseable {

    /** The outcome of an MX lookup. */
    public enum Kind { HOSTS, NULL_MX, NO_DOMAIN }

    /**
     * @param kind          what was found
     * @param hosts         the host names to try in order, for {@code HOSTS}
     * @param authenticated the resolver validated the MX answer (AD bit), as DANE needs (RFC 7672 section 2.2.1)
     */
    public record Route(Kind kind, List<String> hosts, boolean authenticated) {
        public Route {
            hosts = List.copyOf(hosts);
        }

        public Route(Kind kind, List<String> hosts) {
            this(kind, hosts, false);
        }
    }

    private record Mx(int preference, String host, int shuffle) {
    }

    private final Executor loop;
    private final DnsClient dns;

    /** Asks {@code dnsServers} ({@code ip} or {@code ip:port}; empty = the system's), {@code queryTimeout} a try. */
    public MxResolver(Executor loop, List<String> dnsServers, Duration queryTimeout) {
        this(loop, new DnsClient(DnsServers.parse(dnsServers), queryTimeout, 2));
    }

    public MxResolver(Executor loop, DnsClient dns) {
        this.loop = loop;
        this.dns = dns;
    }

    /** The route for a domain; fails when DNS does not answer usefully (a temporary condition). */
    public CompletableFuture<Route> route(String domain) {
        return dns.query(domain, Type.MX).thenApplyAsync(a -> read(domain, a), loop);
    }

    private static Route read(String domain, DnsAnswer answer) {
        if (answer.noSuchName()) {
            return new Route(Kind.NO_DOMAIN, List.of());
        }
        if (!answer.isDefinite()) {
            throw new IllegalStateException("MX lookup for " + domain + ": " + answer.rcodeText());
        }
        List<Mx> mx = new ArrayList<>();
        for (Record r : answer.records()) {
            MXRecord m = (MXRecord) r;
            mx.add(new Mx(m.getPriority(), m.getTarget().toString(true), ThreadLocalRandom.current().nextInt()));
        }
        if (mx.isEmpty()) {
            return new Route(Kind.HOSTS, List.of(domain), answer.authenticated());
        }
        if (mx.size() == 1 && (mx.get(0).host.equals(".") || mx.get(0).host.isEmpty())) {
            return new Route(Kind.NULL_MX, List.of());
        }
        mx.sort(Comparator.comparingInt(Mx::preference).thenComparingInt(Mx::shuffle));
        List<String> hosts = new ArrayList<>();
        for (Mx m : mx) {
            String h = m.host.endsWith(".") ? m.host.substring(0, m.host.length() - 1) : m.host;
            if (!h.isEmpty()) {
                hosts.add(h.toLowerCase(Locale.ROOT));
            }
        }
        return new Route(Kind.HOSTS, Collections.unmodifiableList(hosts), answer.authenticated());
    }

    /** The addresses of a host, IPv4 first; fails when it has none or DNS does not answer. */
    public CompletableFuture<List<InetAddress>> addresses(String host) {
        return dns.addresses(host).thenApplyAsync(a -> a, loop);
    }

    /** Nothing to release: the client's sockets are dnsjava's, shared by the process. */
    @Override
    public void close() {
    }
}
