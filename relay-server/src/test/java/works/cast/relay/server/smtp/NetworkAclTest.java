package works.cast.relay.server.smtp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;
import works.cast.relay.server.net.Cidr;

class NetworkAclTest {

    private static InetAddress ip(String s) throws Exception {
        return InetAddress.getByName(s);
    }

    @Test
    void matchesIpv4Networks() throws Exception {
        Cidr net = Cidr.parse("10.1.0.0/16");
        assertTrue(net.contains(ip("10.1.255.3")));
        assertFalse(net.contains(ip("10.2.0.1")));
        assertFalse(net.contains(ip("::1")));
        assertTrue(Cidr.parse("0.0.0.0/0").contains(ip("192.0.2.1")));
        assertTrue(Cidr.parse("127.0.0.1").contains(ip("127.0.0.1")));
        assertFalse(Cidr.parse("127.0.0.1/32").contains(ip("127.0.0.2")));
        assertTrue(Cidr.parse("192.0.2.128/25").contains(ip("192.0.2.200")));
        assertFalse(Cidr.parse("192.0.2.128/25").contains(ip("192.0.2.100")));
    }

    @Test
    void matchesIpv6Networks() throws Exception {
        assertTrue(Cidr.parse("::1/128").contains(ip("::1")));
        assertTrue(Cidr.parse("2001:db8::/32").contains(ip("2001:db8:ffff::1")));
        assertFalse(Cidr.parse("2001:db8::/32").contains(ip("2001:db9::1")));
        assertFalse(Cidr.parse("2001:db8::/32").contains(ip("192.0.2.1")));
        assertTrue(Cidr.parse("fe80::/10").contains(ip("febf::1")));
    }

    @Test
    void hostBitsAreCleared() {
        assertEquals(Cidr.parse("10.1.0.0/16"), Cidr.parse("10.1.2.3/16"));
        assertEquals("10.1.0.0/16", Cidr.parse("10.1.2.3/16").toString());
    }

    @Test
    void badCidrNamesItself() {
        for (String bad : List.of("10.0.0.0/33", "::/129", "example.com", "10.0.0/8", "10.0.0.0/x", "", "1.2.3.4/-1",
                "300.1.1.1")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> NetworkAcl.parse(List.of("127.0.0.0/8", bad)));
            assertTrue(e.getMessage().contains(bad), e.getMessage());
        }
    }

    @Test
    void aclAllowsListedNetworksOnly() throws Exception {
        NetworkAcl acl = NetworkAcl.parse(List.of("127.0.0.0/8", "::1/128"));
        assertTrue(acl.allows(ip("127.0.0.2")));
        assertTrue(acl.allows(ip("::1")));
        assertFalse(acl.allows(ip("192.0.2.1")));
        assertFalse(NetworkAcl.parse(List.of()).allows(ip("127.0.0.1")));
    }
}
