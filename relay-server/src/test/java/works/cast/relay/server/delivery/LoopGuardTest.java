package works.cast.relay.server.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import works.cast.relay.server.net.Cidr;

/** Which MX addresses count as this relay: its listeners, this machine's addresses behind a wildcard, loopback. */
class LoopGuardTest {

    private static InetAddress ip(String s) {
        return Cidr.parseAddress(s);
    }

    @Test
    void aRelayOnOneAddressRefusesThatAddressAndLoopbackUnlessAllowed() {
        LoopGuard strict = new LoopGuard(false, List.of("192.0.2.10"), () -> Set.of(ip("198.51.100.7")));
        assertTrue(strict.refusal(ip("192.0.2.10")).orElseThrow().contains("this relay's own"));
        assertTrue(strict.refusal(ip("127.0.0.53")).orElseThrow().startsWith("loopback address 127.0.0.53"));
        assertTrue(strict.refusal(ip("::1")).orElseThrow().startsWith("loopback address"));
        assertTrue(strict.refusal(ip("::ffff:127.0.0.1")).orElseThrow().startsWith("loopback address 127.0.0.1"),
                "an IPv4-mapped address is the IPv4 address");
        assertTrue(strict.refusal(ip("0.0.0.0")).orElseThrow().startsWith("unspecified"));
        assertTrue(strict.refusal(ip("::")).orElseThrow().startsWith("unspecified"));
        assertEquals(Optional.empty(), strict.refusal(ip("198.51.100.7")), "not bound there: another host may be");
        assertEquals(Optional.empty(), strict.refusal(ip("203.0.113.5")));

        LoopGuard tests = new LoopGuard(true, List.of("127.0.0.1"), Set::of);
        assertEquals(Optional.empty(), tests.refusal(ip("127.0.0.21")));
        assertTrue(tests.refusal(ip("127.0.0.1")).orElseThrow().contains("this relay's own"),
                "allowing loopback never allows the relay's own listener");
    }

    @Test
    void aWildcardListenerMakesEveryAddressOfTheMachineAndAllLoopbackOwn() {
        LoopGuard any = new LoopGuard(true, List.of("::"), () -> Set.of(ip("198.51.100.7"), ip("2001:db8::7")));
        assertTrue(any.refusal(ip("198.51.100.7")).orElseThrow().contains("this relay's own"));
        assertTrue(any.refusal(ip("2001:db8::7")).orElseThrow().contains("this relay's own"));
        assertTrue(any.refusal(ip("127.0.0.21")).orElseThrow().contains("this relay's own"),
                "a wildcard listener answers on every loopback address");
        assertEquals(Optional.empty(), any.refusal(ip("203.0.113.5")));
    }
}
