package works.cast.relay.server.dns;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedFlags;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.ResolverConfig;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * The relay's one DNS client (dnsjava): every lookup the relay and its commands make goes through it, to the servers
 * of {@code relay.dns.servers} or the system's resolvers. Queries ask for recursion and carry EDNS(0) with the DO bit
 * (RFC 3225), so an answer's AD bit can be read (TLSA, RFC 7672 section 2.2); a truncated answer is asked again over
 * TCP. {@link #send} takes any message (an RFC 2136 UPDATE, for example).
 *
 * <p>Never blocks: queries return futures completed on dnsjava's I/O thread, within {@code timeout} per server and
 * try. Callers on a Netty event loop must not {@code join()} them. Thread-safe.
 */
public final class DnsClient {

    /** EDNS(0) payload size, the DNS flag day 2020 value. */
    static final int EDNS_PAYLOAD = 1232;

    private final DnsServers servers;
    private final Resolver resolver;
    private final Duration deadline;

    /**
     * @param servers the servers to ask, or {@link DnsServers#system()}
     * @param timeout the wait for each server on each try
     * @param tries   how many times each server is asked (at least 1)
     */
    public DnsClient(DnsServers servers, Duration timeout, int tries) {
        this.servers = Objects.requireNonNull(servers, "servers");
        if (tries < 1) {
            throw new IllegalArgumentException("tries: must be at least 1");
        }
        List<InetSocketAddress> addresses = servers.isSystem() ? ResolverConfig.getCurrentConfig().servers()
                : servers.addresses();
        List<Resolver> each = new ArrayList<>();
        for (InetSocketAddress a : addresses) {
            SimpleResolver r = new SimpleResolver(a);
            r.setTimeout(timeout);
            each.add(r);
        }
        ExtendedResolver r = new ExtendedResolver(each);
        r.setRetries(tries);
        r.setLoadBalance(false);
        this.deadline = timeout.multipliedBy((long) tries * Math.max(1, each.size())).plusMillis(100);
        r.setTimeout(deadline);
        r.setEDNS(0, EDNS_PAYLOAD, ExtendedFlags.DO, List.of());
        this.resolver = r;
    }

    /** Asks the servers, or the system resolvers when empty; 1 s per try, 2 tries. */
    public static DnsClient of(DnsServers servers) {
        return new DnsClient(servers, Duration.ofSeconds(1), 2);
    }

    public DnsServers servers() {
        return servers;
    }

    /** The longest a query can take before its future fails. */
    public Duration deadline() {
        return deadline;
    }

    /** The servers asked, for messages. */
    public String describe() {
        return servers.describe();
    }

    /**
     * Asks for the records of {@code type} ({@link org.xbill.DNS.Type}) at {@code name} (absolute; a trailing dot is
     * optional). Fails with {@link java.io.IOException} or a timeout when no server answers.
     */
    public CompletableFuture<DnsAnswer> query(String name, int type) {
        String n = normalize(name);
        Name qname;
        try {
            qname = Name.fromString(n + ".");
        } catch (TextParseException e) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("dns name \"" + name + "\": "
                    + e.getMessage(), e));
        }
        Message q = Message.newQuery(Record.newRecord(qname, type, DClass.IN));
        q.getHeader().setFlag(Flags.RD);
        return send(q).thenApply(m -> DnsAnswer.of(n, type, m));
    }

    /** Sends any message and returns the response as it came. */
    public CompletableFuture<Message> send(Message message) {
        return resolver.sendAsync(message).toCompletableFuture()
                .orTimeout(deadline.toMillis() + 500, TimeUnit.MILLISECONDS);
    }

    /** Lower case, stripped of blanks and the trailing dot. */
    /**
     * The addresses of a host, IPv4 first (A and AAAA asked together); fails with an {@link UnknownHostException}
     * saying why when it has none or the servers do not answer.
     */
    public CompletableFuture<List<InetAddress>> addresses(String host) {
        CompletableFuture<DnsAnswer> v4 = query(host, Type.A);
        CompletableFuture<DnsAnswer> v6 = query(host, Type.AAAA);
        return v4.handle((a, e) -> a).thenCombine(v6.handle((a, e) -> a), (a, b) -> {
            List<InetAddress> out = new ArrayList<>();
            if (a != null) {
                a.records().forEach(r -> out.add(((ARecord) r).getAddress()));
            }
            if (b != null) {
                b.records().forEach(r -> out.add(((AAAARecord) r).getAddress()));
            }
            if (out.isEmpty()) {
                String why = a == null && b == null ? "no answer from " + describe()
                        : a != null && a.noSuchName() ? "no such name (NXDOMAIN)" : "no A or AAAA record";
                throw new CompletionException(new UnknownHostException(host + ": " + why));
            }
            return List.copyOf(out);
        });
    }

    static String normalize(String name) {
        String n = name.strip().toLowerCase(Locale.ROOT);
        return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
    }
}
