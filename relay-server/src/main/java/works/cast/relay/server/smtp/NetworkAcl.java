package works.cast.relay.server.smtp;

import java.net.InetAddress;
import java.util.List;
import works.cast.relay.server.net.Cidr;

/**
 * The networks whose clients may submit without AUTH (the relay's open-relay guard, RFC 5321 section 7.1).
 *
 * @param networks the allowed networks; empty allows no one
 */
public record NetworkAcl(List<Cidr> networks) {

    public NetworkAcl {
        networks = List.copyOf(networks);
    }

    /** Parses CIDR strings; a bad one is an {@link IllegalArgumentException} naming it. */
    public static NetworkAcl parse(List<String> cidrs) {
        return new NetworkAcl(cidrs.stream().map(NetworkAcl::parseOne).toList());
    }

    private static Cidr parseOne(String text) {
        try {
            return Cidr.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("network \"" + text + "\": " + e.getMessage(), e);
        }
    }

    public boolean allows(InetAddress address) {
        for (Cidr c : networks) {
            if (c.contains(address)) {
                return true;
            }
        }
        return false;
    }
}
