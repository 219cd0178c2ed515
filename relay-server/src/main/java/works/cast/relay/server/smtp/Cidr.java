package works.cast.relay.server.smtp;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Objects;

/**
 * One IPv4 or IPv6 network in CIDR notation (RFC 4632 section 3.1, RFC 4291 section 2.3), such as
 * {@code 127.0.0.0/8} or {@code ::1/128}; a plain address means a single host.
 *
 * @param network the network address with the host bits cleared (4 or 16 bytes)
 * @param prefix  the prefix length in bits
 */
public record Cidr(byte[] network, int prefix) {

    public Cidr {
        Objects.requireNonNull(network, "network");
        if (network.length != 4 && network.length != 16) {
            throw new IllegalArgumentException("cidr: address must have 4 or 16 bytes");
        }
        if (prefix < 0 || prefix > network.length * 8) {
            throw new IllegalArgumentException("cidr: prefix out of range: " + prefix);
        }
        network = mask(network.clone(), prefix);
    }

    @Override
    public byte[] network() {
        return network.clone();
    }

    /** Parses {@code address[/prefix]}; IPv4-mapped IPv6 clients match IPv4 networks. */
    public static Cidr parse(String text) {
        Objects.requireNonNull(text, "cidr");
        String s = text.strip();
        int slash = s.indexOf('/');
        String addressPart = slash < 0 ? s : s.substring(0, slash);
        if (addressPart.isEmpty() || !addressPart.matches("[0-9A-Fa-f:.]+")) {
            throw new IllegalArgumentException("cidr " + text + ": not an IP address");
        }
        if (!addressPart.contains(":") && !addressPart.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
            throw new IllegalArgumentException("cidr " + text + ": not an IPv4 address");
        }
        byte[] bytes;
        try {
            bytes = InetAddress.getByName(addressPart).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("cidr " + text + ": not an IP address", e);
        }
        int prefix = bytes.length * 8;
        if (slash >= 0) {
            String p = s.substring(slash + 1);
            if (!p.matches("\\d{1,3}")) {
                throw new IllegalArgumentException("cidr " + text + ": bad prefix length");
            }
            prefix = Integer.parseInt(p);
            if (prefix > bytes.length * 8) {
                throw new IllegalArgumentException("cidr " + text + ": prefix length over " + bytes.length * 8);
            }
        }
        return new Cidr(bytes, prefix);
    }

    public boolean contains(InetAddress address) {
        byte[] a = address.getAddress();
        if (a.length == 16 && network.length == 4 && isV4Mapped(a)) {
            a = Arrays.copyOfRange(a, 12, 16);
        }
        if (a.length != network.length) {
            return false;
        }
        return Arrays.equals(mask(a, prefix), network);
    }

    private static boolean isV4Mapped(byte[] a) {
        for (int i = 0; i < 10; i++) {
            if (a[i] != 0) {
                return false;
            }
        }
        return a[10] == (byte) 0xff && a[11] == (byte) 0xff;
    }

    private static byte[] mask(byte[] bytes, int prefix) {
        for (int i = 0; i < bytes.length; i++) {
            int bits = Math.max(0, Math.min(8, prefix - i * 8));
            bytes[i] &= (byte) (0xff << (8 - bits));
        }
        return bytes;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cidr c && c.prefix == prefix && Arrays.equals(c.network, network);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(network) * 31 + prefix;
    }

    @Override
    public String toString() {
        try {
            return InetAddress.getByAddress(network).getHostAddress() + "/" + prefix;
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
