package works.cast.relay.server.smtp;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * The unit that AUTH defences count per: an IPv4 address, or the /64 network of an IPv6 address. One IPv6 host
 * commonly holds a whole /64 and can pick a fresh address for each connection, so counting per address would let
 * it escape every limit.
 */
final class ClientKey {

    private ClientKey() {
    }

    static InetAddress of(InetAddress address) {
        if (!(address instanceof Inet6Address)) {
            return address;
        }
        byte[] b = address.getAddress();
        if (isV4Mapped(b)) {
            try {
                return Inet4Address.getByAddress(new byte[] {b[12], b[13], b[14], b[15]});
            } catch (UnknownHostException e) {
                throw new IllegalStateException(e); // four bytes are always an IPv4 address
            }
        }
        for (int i = 8; i < 16; i++) {
            b[i] = 0;
        }
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // sixteen bytes are always an IPv6 address
        }
    }

    private static boolean isV4Mapped(byte[] b) {
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return b[10] == (byte) 0xff && b[11] == (byte) 0xff;
    }
}
