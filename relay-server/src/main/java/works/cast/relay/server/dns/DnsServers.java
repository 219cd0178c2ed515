package works.cast.relay.server.dns;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.xbill.DNS.Address;

/**
 * The recursive resolvers the relay asks ({@code relay.dns.servers}): IP literals with an optional port, never names
 * (asking DNS where DNS is would be circular). Empty means the system's resolvers ({@code /etc/resolv.conf}).
 *
 * <pre>
 * 192.0.2.53   192.0.2.53:5353   2001:db8::53   [2001:db8::53]:5353
 * </pre>
 *
 * @param addresses the servers in the order they are asked; empty for the system resolvers
 */
public record DnsServers(List<InetSocketAddress> addresses) {

    public static final int PORT = 53;

    public DnsServers {
        addresses = List.copyOf(addresses);
    }

    /** The system's resolvers. */
    public static DnsServers system() {
        return new DnsServers(List.of());
    }

    /** Parses {@code ip[:port]} entries; throws {@link IllegalArgumentException} naming a bad one. */
    public static DnsServers parse(List<String> servers) {
        List<InetSocketAddress> out = new ArrayList<>();
        for (String s : servers) {
            out.add(parseOne(s));
        }
        return new DnsServers(out);
    }

    /** One {@code ip[:port]} entry. */
    public static InetSocketAddress parseOne(String text) {
        String s = text.strip();
        String host = s;
        String port = null;
        if (s.startsWith("[")) {
            int end = s.indexOf(']');
            if (end < 0 || (end + 1 < s.length() && s.charAt(end + 1) != ':')) {
                throw bad(text);
            }
            host = s.substring(1, end);
            port = end + 1 < s.length() ? s.substring(end + 2) : null;
        } else if (s.indexOf(':') > 0 && s.indexOf(':') == s.lastIndexOf(':')) {
            host = s.substring(0, s.indexOf(':'));
            port = s.substring(s.indexOf(':') + 1);
        }
        InetAddress address;
        try {
            address = Address.getByAddress(host);
        } catch (UnknownHostException e) {
            throw bad(text);
        }
        int p = PORT;
        if (port != null) {
            try {
                p = Integer.parseInt(port);
            } catch (NumberFormatException e) {
                throw bad(text);
            }
            if (p < 1 || p > 65535) {
                throw bad(text);
            }
        }
        return new InetSocketAddress(address, p);
    }

    private static IllegalArgumentException bad(String text) {
        return new IllegalArgumentException("dns server \"" + text + "\": not an IP address or ip:port");
    }

    public boolean isSystem() {
        return addresses.isEmpty();
    }

    /** For logs and {@code keys check}: the servers as {@code ip:port}, or "system resolver". */
    public String describe() {
        if (isSystem()) {
            return "system resolver";
        }
        return addresses.stream().map(a -> {
            String ip = a.getAddress().getHostAddress();
            return (ip.contains(":") ? "[" + ip + "]" : ip) + ":" + a.getPort();
        }).collect(Collectors.joining(","));
    }
}
