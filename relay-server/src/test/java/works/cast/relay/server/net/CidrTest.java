package works.cast.relay.server.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CidrTest {

    @Test
    void ipv4NetworkContainsItsHosts() {
        Cidr net = Cidr.parse("10.1.0.0/16");
        assertTrue(net.contains(Cidr.parseAddress("10.1.255.7")));
        assertFalse(net.contains(Cidr.parseAddress("10.2.0.1")));
        assertFalse(net.contains(Cidr.parseAddress("::1")));
    }

    @Test
    void hostBitsAreCleared() {
        assertEquals("192.168.1.0/24", Cidr.parse("192.168.1.77/24").toString());
        assertEquals(Cidr.parse("10.0.0.0/8"), Cidr.parse("10.200.3.4/8"));
    }

    @Test
    void bareAddressIsAHostNetwork() {
        Cidr host = Cidr.parse("127.0.0.1");
        assertEquals(32, host.prefix());
        assertTrue(host.contains(Cidr.parseAddress("127.0.0.1")));
        assertFalse(host.contains(Cidr.parseAddress("127.0.0.2")));
    }

    @Test
    void ipv6Networks() {
        Cidr loopback = Cidr.parse("::1/128");
        assertTrue(loopback.contains(Cidr.parseAddress("0:0:0:0:0:0:0:1")));
        Cidr doc = Cidr.parse("2001:db8::/32");
        assertTrue(doc.contains(Cidr.parseAddress("2001:db8:ffff::1")));
        assertFalse(doc.contains(Cidr.parseAddress("2001:db9::1")));
        assertTrue(Cidr.parse("::/0").contains(Cidr.parseAddress("fe80::1")));
        assertTrue(Cidr.parse("[::1]").contains(Cidr.parseAddress("::1")));
    }

    @Test
    void mappedIpv4MatchesIpv4Networks() throws Exception {
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        mapped[12] = 127;
        mapped[15] = 1;
        InetAddress v6 = java.net.Inet6Address.getByAddress(null, mapped, -1);
        assertTrue(Cidr.parse("127.0.0.0/8").contains(v6));
    }

    @Test
    void embeddedIpv4InIpv6() {
        assertEquals(Cidr.parse("::ffff:0a00:0001/128"), Cidr.parse("::ffff:10.0.0.1/128"));
        assertEquals(128, Cidr.parse("::ffff:10.0.0.1/128").prefix());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "10.0.0.0/33", "10.0.0/8", "256.0.0.0/8", "10.0.0.0/", "10.0.0.0/x", "::1/129",
        "1:2:3:4:5:6:7:8:9", "1::2::3", "example.com", "localhost", "010.0.0.1", "fe80::1%eth0", "10.0.0.0/-1",
        "12345::"})
    void rejectsMalformed(String text) {
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse(text));
    }
}
