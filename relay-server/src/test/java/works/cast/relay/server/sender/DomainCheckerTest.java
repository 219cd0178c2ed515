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

    @Test
    void eachCheckSaysWhatWasFoundOrWhatToDo() {
        MapDns dns = new MapDns().txt("cast.works", "v=spf1 exists:%{i}.spf.cast.works -all")
                .txt("_dmarc.cast.works", "v=DMARC1; p=none");
        List<DomainReport.Check> c = new DomainChecker(dns, List.of(Cidr.parseAddress("2001:db8::25")),
                d -> Map.of("s1", "matching", "e1", "error (timeout)")).check("cast.works").checks();
        assertEquals(List.of("dmarc-record", "dmarc-enforced", "spf-record", "spf-egress", "dkim-records"),
                c.stream().map(DomainReport.Check::name).toList());
        assertEquals("warning", c.get(1).status());
        assertEquals("p=none only monitors; move to quarantine, then reject", c.get(1).detail());
        assertEquals(-1, c.get(3).value(), "a term with macros cannot be told: " + c.get(3));
        assertTrue(c.get(3).detail().startsWith("neutral for 2001:db8:0:0:0:0:0:25 (term exists:%{i}"), c.get(3).detail());
        assertEquals("unknown", c.get(4).status());

        List<DomainReport.Check> failed = new DomainChecker(new MapDns(), List.of(), d -> Map.of())
                .check("fail.example").checks();
        assertEquals(List.of(-1, -1, -1, 0), failed.stream().map(DomainReport.Check::value).toList());
        assertEquals("_dmarc.fail.example: SERVFAIL", failed.get(0).detail());
        assertEquals("no active selector", failed.get(3).detail());
    }
}
