package works.cast.relay.server.sender;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;
import works.cast.relay.server.net.Cidr;
import works.cast.relay.server.sender.SpfResult.Code;

class SpfEvaluatorTest {

    private static final InetAddress RELAY = Cidr.parseAddress("203.0.113.25");
    private static final InetAddress RELAY6 = Cidr.parseAddress("2001:db8:25::1");

    private static Code spf(MapDns dns, InetAddress ip) {
        return SpfEvaluator.evaluate(dns, "cast.works", ip).code();
    }

    @Test
    void ipMechanismsAndQualifiers() {
        assertEquals(Code.PASS, spf(new MapDns().txt("cast.works", "v=spf1 ip4:203.0.113.0/24 -all"), RELAY));
        assertEquals(Code.FAIL, spf(new MapDns().txt("cast.works", "v=spf1 ip4:198.51.100.0/24 -all"), RELAY));
        assertEquals(Code.SOFTFAIL, spf(new MapDns().txt("cast.works", "v=spf1 ip4:198.51.100.1 ~all"), RELAY));
        assertEquals(Code.NEUTRAL, spf(new MapDns().txt("cast.works", "v=spf1 ip4:198.51.100.1"), RELAY));
        assertEquals(Code.PASS, spf(new MapDns().txt("cast.works", "v=spf1 ip6:2001:db8:25::/48 -all"), RELAY6));
        assertEquals(Code.FAIL, spf(new MapDns().txt("cast.works", "v=spf1 ip6:2001:db8:25::/48 -all"), RELAY),
                "an IPv6 network never matches an IPv4 address");
        assertEquals(Code.PASS, spf(new MapDns().txt("cast.works", "v=spf1 ip4:203.0.113.24/31 -all"), RELAY));
        assertEquals(Code.FAIL, spf(new MapDns().txt("cast.works", "v=spf1 ip4:203.0.113.26/31 -all"), RELAY));
    }

    @Test
    void aMxIncludeAndRedirect() {
        MapDns dns = new MapDns().txt("cast.works", "v=spf1 mx include:_spf.mailer.example -all")
                .mx("cast.works", "mx1.cast.works").a("mx1.cast.works", "192.0.2.1")
                .txt("_spf.mailer.example", "v=spf1 a:out.mailer.example/24 -all")
                .a("out.mailer.example", "203.0.113.200");
        assertEquals(Code.PASS, spf(dns, RELAY), "include of a /24 around the mailer's host");
        assertEquals(Code.PASS, spf(dns, Cidr.parseAddress("192.0.2.1")), "the MX host");
        assertEquals(Code.FAIL, spf(dns, Cidr.parseAddress("192.0.2.2")));
        MapDns redirect = new MapDns().txt("cast.works", "v=spf1 redirect=_spf.cast.works")
                .txt("_spf.cast.works", "v=spf1 ip4:203.0.113.25 -all");
        assertEquals(Code.PASS, spf(redirect, RELAY));
        assertEquals(Code.PERMERROR, spf(new MapDns().txt("cast.works", "v=spf1 redirect=nothing.example"), RELAY));
    }

    @Test
    void noneErrorsAndLimits() {
        assertEquals(Code.NONE, spf(new MapDns().txt("cast.works", "google-site-verification=x"), RELAY));
        assertEquals(Code.PERMERROR, spf(new MapDns().txt("cast.works", "v=spf1 -all", "v=spf1 +all"), RELAY));
        assertEquals(Code.TEMPERROR, spf(new MapDns().txt("cast.works", "v=spf1 include:fail.example -all"), RELAY));
        assertEquals(Code.PERMERROR, spf(new MapDns().txt("cast.works", "v=spf1 foo:bar -all"), RELAY));
        MapDns many = new MapDns().txt("cast.works", "v=spf1 a:h1 a:h2 a:h3 a:h4 a:h5 a:h6 a:h7 a:h8 a:h9 a:h10 "
                + "a:h11 -all");
        assertEquals(Code.PERMERROR, spf(many, RELAY), "an eleventh DNS-querying term");
        MapDns loop = new MapDns().txt("cast.works", "v=spf1 include:cast.works -all");
        assertEquals(Code.PERMERROR, spf(loop, RELAY));
        assertEquals(Code.NEUTRAL, spf(new MapDns().txt("cast.works", "v=spf1 exists:%{i}.bl.example -all"), RELAY),
                "macros depend on the message");
        assertEquals(Code.FAIL, spf(new MapDns().txt("cast.works", "v=spf1 ptr -all"), RELAY), "ptr never matches");
    }
}
