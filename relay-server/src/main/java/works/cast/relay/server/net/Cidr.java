package works.cast.relay.server.net;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

/**
 * An IPv4 or IPv6 network in CIDR notation (RFC 4632 section 3.1, RFC 4291 section 2.3), parsed without DNS.
 *
 * @param address the network address, host bits cleared
 * @param prefix  the prefix length, 0..32 for IPv4 and 0..128 for IPv6
 */
public record Cidr(InetAddress address, int prefix) {

    public Cidr {
        Objects.requireNonNull(address, "address");
        int bits = address.getAddress().length * 8;
        if (prefix < 0 || prefix > bits) {
            throw new IllegalArgumentException("prefix length " + prefix + " out of range 0.." + bits);
        }
        address = mask(address, prefix);
    }

    /** Parses {@code 10.0.0.0/8}, {@code ::1/128} or a bare address (a host network). */
    public static Cidr parse(String text) {
        String s = text.trim();
        int slash = s.indexOf('/');
        String host = slash < 0 ? s : s.substring(0, slash);
        InetAddress address = parseAddress(host);
        int bits = address.getAddress().length * 8;
        if (slash < 0) {
            return new Cidr(address, bits);
        }
        String len = s.substring(slash + 1);
        if (len.isEmpty() || len.length() > 3 || !len.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("not a prefix length: \"" + len + "\"");
        }
        return new Cidr(address, Integer.parseInt(len));
    }

    /** Parses an IPv4 dotted quad or an IPv6 literal (optionally in brackets); never looks up a name. */
    public static InetAddress parseAddress(String text) {
        String s = text.trim();
        if (s.startsWith("[") && s.endsWith("]")) {
            s = s.substring(1, s.length() - 1);
        }
        byte[] bytes = s.indexOf(':') >= 0 ? parseIpv6(s) : parseIpv4(s);
        if (bytes == null) {
            throw new IllegalArgumentException("not an IP address: \"" + text + "\"");
        }
        return toAddress(bytes);
    }

    /** True when {@code candidate} lies in this network; an IPv4-mapped IPv6 address matches IPv4 networks. */
    public boolean contains(InetAddress candidate) {
        byte[] net = address.getAddress();
        byte[] addr = candidate.getAddress();
        if (addr.length == 16 && net.length == 4 && isV4Mapped(addr)) {
            addr = Arrays.copyOfRange(addr, 12, 16);
        }
        if (addr.length != net.length) {
            return false;
        }
        return Arrays.equals(mask(addr, prefix), net);
    }

    @Override
    public String toString() {
        String host = address.getHostAddress().toLowerCase(Locale.ROOT);
        return host + "/" + prefix;
    }

    private static boolean isV4Mapped(byte[] a) {
        for (int i = 0; i < 10; i++) {
            if (a[i] != 0) {
                return false;
            }
        }
        return a[10] == (byte) 0xff && a[11] == (byte) 0xff;
    }

    private static InetAddress mask(InetAddress address, int prefix) {
        return toAddress(mask(address.getAddress(), prefix));
    }

    /** Keeps 16-byte addresses IPv6 (InetAddress.getByAddress would turn ::ffff:a.b.c.d into IPv4). */
    private static InetAddress toAddress(byte[] bytes) {
        try {
            return bytes.length == 16 ? Inet6Address.getByAddress(null, bytes, -1) : InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("bad address length " + bytes.length, e);
        }
    }

    private static byte[] mask(byte[] bytes, int prefix) {
        byte[] out = bytes.clone();
        for (int i = 0; i < out.length; i++) {
            int keep = Math.max(0, Math.min(8, prefix - i * 8));
            out[i] = (byte) (out[i] & (0xff << (8 - keep)));
        }
        return out;
    }

    private static byte[] parseIpv4(String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        byte[] out = new byte[4];
        for (int i = 0; i < 4; i++) {
            String p = parts[i];
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(c -> c >= '0' && c <= '9')
                    || (p.length() > 1 && p.charAt(0) == '0')) {
                return null;
            }
            int v = Integer.parseInt(p);
            if (v > 255) {
                return null;
            }
            out[i] = (byte) v;
        }
        return out;
    }

    private static byte[] parseIpv6(String s) {
        if (s.indexOf('%') >= 0) {
            return null;
        }
        int gap = s.indexOf("::");
        if (gap >= 0 && s.indexOf("::", gap + 1) >= 0) {
            return null;
        }
        String head = gap < 0 ? s : s.substring(0, gap);
        String tail = gap < 0 ? "" : s.substring(gap + 2);
        int[] a = groups(head);
        int[] b = groups(tail);
        if (a == null || b == null) {
            return null;
        }
        int total = a.length + b.length;
        if (gap < 0 ? total != 8 : total > 7) {
            return null;
        }
        byte[] out = new byte[16];
        for (int i = 0; i < a.length; i++) {
            out[2 * i] = (byte) (a[i] >> 8);
            out[2 * i + 1] = (byte) a[i];
        }
        for (int i = 0; i < b.length; i++) {
            int at = 8 - b.length + i;
            out[2 * at] = (byte) (b[i] >> 8);
            out[2 * at + 1] = (byte) b[i];
        }
        return out;
    }

    /** Hex groups of one side of "::"; a trailing dotted quad counts as two groups. */
    private static int[] groups(String s) {
        if (s.isEmpty()) {
            return new int[0];
        }
        String[] parts = s.split(":", -1);
        int last = parts.length - 1;
        byte[] v4 = parts[last].indexOf('.') >= 0 ? parseIpv4(parts[last]) : null;
        if (parts[last].indexOf('.') >= 0 && v4 == null) {
            return null;
        }
        int[] out = new int[v4 == null ? parts.length : parts.length + 1];
        for (int i = 0; i < (v4 == null ? parts.length : last); i++) {
            String p = parts[i];
            if (p.isEmpty() || p.length() > 4
                    || !p.chars().allMatch(c -> Character.digit(c, 16) >= 0 && c < 128)) {
                return null;
            }
            out[i] = Integer.parseInt(p, 16);
        }
        if (v4 != null) {
            out[last] = ((v4[0] & 0xff) << 8) | (v4[1] & 0xff);
            out[last + 1] = ((v4[2] & 0xff) << 8) | (v4[3] & 0xff);
        }
        return out;
    }
}
