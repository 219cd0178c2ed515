package works.cast.relay.server.delivery;

import io.netty.buffer.ByteBuf;
import io.netty.channel.AddressedEnvelope;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DefaultDnsRecordDecoder;
import io.netty.handler.codec.dns.DnsRawRecord;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponse;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;
import io.netty.resolver.ResolvedAddressTypes;
import io.netty.resolver.dns.DnsNameResolver;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.DnsServerAddressStreamProviders;
import io.netty.resolver.dns.SequentialDnsServerAddressStreamProvider;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Finds where a domain's mail goes (RFC 5321 section 5.1): its MX hosts by preference, equal preferences in random
 * order; the domain itself when it has no MX (the implicit MX); nothing for a null MX (RFC 7505) or a domain that
 * does not exist. Uses the configured resolvers ({@code ip} or {@code ip:port}) or the system's.
 */
public final class MxResolver implements AutoCloseable {

    /** The outcome of an MX lookup. */
    public enum Kind { HOSTS, NULL_MX, NO_DOMAIN }

    /**
     * @param kind  what was found
     * @param hosts the host names to try in order, for {@code HOSTS}
     */
    public record Route(Kind kind, List<String> hosts) {
        public Route {
            hosts = List.copyOf(hosts);
        }
    }

    private record Mx(int preference, String host, int shuffle) {
    }

    private final DnsNameResolver resolver;

    public MxResolver(EventLoop loop, List<String> dnsServers, Duration queryTimeout) {
        DnsNameResolverBuilder b = new DnsNameResolverBuilder(loop)
                .datagramChannelType(NioDatagramChannel.class)
                .queryTimeoutMillis(queryTimeout.toMillis())
                .resolvedAddressTypes(ResolvedAddressTypes.IPV4_PREFERRED)
                .recursionDesired(true);
        if (dnsServers.isEmpty()) {
            b.nameServerProvider(DnsServerAddressStreamProviders.platformDefault());
        } else {
            b.nameServerProvider(new SequentialDnsServerAddressStreamProvider(
                    dnsServers.stream().map(MxResolver::server).toArray(InetSocketAddress[]::new)))
                    .searchDomains(List.of()).ndots(1);
        }
        this.resolver = b.build();
    }

    /** Parses {@code 192.0.2.1}, {@code 192.0.2.1:5353}, {@code [2001:db8::1]:53} or {@code 2001:db8::1}. */
    static InetSocketAddress server(String s) {
        String host = s;
        int port = 53;
        if (s.startsWith("[")) {
            int end = s.indexOf(']');
            host = s.substring(1, end);
            if (s.length() > end + 2 && s.charAt(end + 1) == ':') {
                port = Integer.parseInt(s.substring(end + 2));
            }
        } else if (s.indexOf(':') > 0 && s.indexOf(':') == s.lastIndexOf(':')) {
            host = s.substring(0, s.indexOf(':'));
            port = Integer.parseInt(s.substring(s.indexOf(':') + 1));
        }
        if (!host.matches("[0-9.]+|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*")) {
            throw new IllegalArgumentException("dns server " + s + ": not an IP address");
        }
        return new InetSocketAddress(io.netty.util.NetUtil.createInetAddressFromIpAddressString(host), port);
    }

    /** The route for a domain; fails when DNS does not answer usefully (a temporary condition). */
    public CompletableFuture<Route> route(String domain) {
        CompletableFuture<Route> result = new CompletableFuture<>();
        resolver.query(new DefaultDnsQuestion(domain, DnsRecordType.MX)).addListener(f -> {
            if (!f.isSuccess()) {
                result.completeExceptionally(f.cause());
                return;
            }
            @SuppressWarnings("unchecked")
            AddressedEnvelope<DnsResponse, InetSocketAddress> envelope =
                    (AddressedEnvelope<DnsResponse, InetSocketAddress>) f.getNow();
            try {
                result.complete(read(domain, envelope.content()));
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            } finally {
                envelope.release();
            }
        });
        return result;
    }

    private static Route read(String domain, DnsResponse response) {
        if (response.code() == DnsResponseCode.NXDOMAIN) {
            return new Route(Kind.NO_DOMAIN, List.of());
        }
        if (response.code() != DnsResponseCode.NOERROR) {
            throw new IllegalStateException("MX lookup for " + domain + ": " + response.code());
        }
        List<Mx> mx = new ArrayList<>();
        for (int i = 0; i < response.count(DnsSection.ANSWER); i++) {
            DnsRecord r = response.recordAt(DnsSection.ANSWER, i);
            if (r.type() == DnsRecordType.MX && r instanceof DnsRawRecord raw) {
                ByteBuf c = raw.content().duplicate();
                int preference = c.readUnsignedShort();
                String host = DefaultDnsRecordDecoder.decodeName(c);
                mx.add(new Mx(preference, host, ThreadLocalRandom.current().nextInt()));
            }
        }
        if (mx.isEmpty()) {
            return new Route(Kind.HOSTS, List.of(domain));
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
        return new Route(Kind.HOSTS, Collections.unmodifiableList(hosts));
    }

    /** The addresses of a host, IPv4 first. */
    public CompletableFuture<List<InetAddress>> addresses(String host) {
        CompletableFuture<List<InetAddress>> result = new CompletableFuture<>();
        resolver.resolveAll(host).addListener(f -> {
            if (f.isSuccess()) {
                @SuppressWarnings("unchecked")
                List<InetAddress> list = (List<InetAddress>) f.getNow();
                result.complete(list);
            } else {
                result.completeExceptionally(f.cause());
            }
        });
        return result;
    }

    @Override
    public void close() {
        resolver.close();
    }
}
