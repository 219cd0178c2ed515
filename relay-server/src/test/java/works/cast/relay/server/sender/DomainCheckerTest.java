package works.cast.relay.server.sender;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import works.cast.relay.server.net.Cidr;

class DomainCheckerTest {

    @Test
    void wellConfiguredDomainHasNoWarnings() {
        MapDns dns = new MapDns().txt("cast.works", "v=spf1 ip4:203.0.113.25 -all")
                .txt("_dmarc.cast.works", "v=DMARC1; p=reject");
        DomainReport r = new DomainChecker(dns, List.of(Cidr.parseAddress("203.0.113.25")),
                d -> Map.of("s1", "matching")).check("cast.works");
        assertEquals(List.of(), r.warnings());
        assertEquals(Map.of("dmarc-record", 1, "dmarc-enforced", 1, "spf-record", 1, "spf-egress", 1,
                "dkim-records", 1), r.gauges());
        assertEquals("domain=cast.works dmarc=\"p=reject at cast.works\" spf=present spf[203.0.113.25]=pass "
                + "dkim[s1]=matching", r.summary());
    }

    @Test
    void eachProblemIsAWarningAndAGaugeAtZero() {
        MapDns dns = new MapDns().txt("castworks.co.jp", "v=spf1 include:_spf.mailer.example -all")
                .txt("_spf.mailer.example", "v=spf1 ip4:198.51.100.0/24 -all");
        DomainReport r = new DomainChecker(dns, List.of(Cidr.parseAddress("203.0.113.25")),
                d -> Map.of("s1", "missing")).check("castworks.co.jp");
        assertEquals(3, r.warnings().size(), r.warnings()::toString);
        assertTrue(r.warnings().get(0).startsWith("no DMARC record at _dmarc.castworks.co.jp"));
        assertTrue(r.warnings().get(1).contains("does not pass for this relay's address 203.0.113.25 (fail"));
        assertTrue(r.warnings().get(2).startsWith("DKIM record s1._domainkey.castworks.co.jp is missing"));
        assertEquals(Map.of("dmarc-record", 0, "dmarc-enforced", 0, "spf-record", 1, "spf-egress", 0,
                "dkim-records", 0), r.gauges());
    }

    @Test
    void withASmarthostTheRelaysOwnAddressIsNotChecked() {
        MapDns dns = new MapDns().txt("cast.works", "v=spf1 include:smarthost.example -all")
                .txt("_dmarc.cast.works", "v=DMARC1; p=none");
        DomainReport r = new DomainChecker(dns, List.of(), d -> Map.of()).check("cast.works");
        assertEquals(Map.of(), r.spf());
        assertEquals(0, r.gauges().get("dmarc-enforced"));
        assertEquals(null, r.gauges().get("spf-egress"));
    }
}
