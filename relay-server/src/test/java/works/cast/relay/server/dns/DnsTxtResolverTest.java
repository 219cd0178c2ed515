package works.cast.relay.server.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import works.cast.relay.core.dkim.KeyResolver;

class DnsTxtResolverTest {

    static Dnsmasq dns;
    static DnsTxtResolver resolver;

    @BeforeAll
    static void start() throws Exception {
        dns = Dnsmasq.start(List.of(
                new Dnsmasq.Txt("sel._domainkey.cast.works", List.of("v=DKIM1; k=rsa; ", "p=ABC", "DEF")),
                new Dnsmasq.Txt("cast.works", List.of("v=spf1 -all")),
                new Dnsmasq.Txt("two.cast.works", List.of("one")),
                new Dnsmasq.Txt("two.cast.works", List.of("quote\"and\\back slash", ""))),
                List.of("cast.works"));
        resolver = new DnsTxtResolver(Optional.of(dns.server()), Duration.ofMillis(500), 2);
    }

    @AfterAll
    static void stop() throws Exception {
        if (dns != null) {
            dns.close();
        }
    }

    @Test
    void keepsEachStringOfARecord() {
        TxtResult r = resolver.lookupStrings("sel._domainkey.cast.works.");
        assertEquals(new TxtResult.Records(List.of(List.of("v=DKIM1; k=rsa; ", "p=ABC", "DEF"))), r);
        KeyResolver.Lookup l = resolver.lookup("sel", "cast.works");
        assertEquals(new KeyResolver.Found(List.of("v=DKIM1; k=rsa; p=ABCDEF")), l);
        assertEquals(new KeyResolver.Found(List.of("v=spf1 -all")), resolver.lookupTxt("CAST.works"));
    }

    @Test
    void separatesRecordsAndUnquotesStrings() {
        TxtResult.Records r = assertInstanceOf(TxtResult.Records.class, resolver.lookupStrings("two.cast.works"));
        assertEquals(2, r.records().size());
        assertTrue(r.records().contains(List.of("one")), r.toString());
        assertTrue(r.records().contains(List.of("quote\"and\\back slash", "")), r.toString());
    }

    @Test
    void nxdomainIsNotFoundAndRefusalOrSilenceIsTemporary() {
        assertInstanceOf(TxtResult.NotFound.class, resolver.lookupStrings("missing._domainkey.cast.works"));
        assertInstanceOf(KeyResolver.NotFound.class, resolver.lookup("missing", "cast.works"));
        TxtResult refused = resolver.lookupStrings("elsewhere.example");
        assertInstanceOf(TxtResult.TempError.class, refused, refused.toString());
        DnsTxtResolver nobody = new DnsTxtResolver(Optional.of(Dnsmasq.ADDRESS + ":" + (dns.port() == 65535 ? 1024
                : dns.port() + 1)), Duration.ofMillis(100), 1);
        assertInstanceOf(TxtResult.TempError.class, nobody.lookupStrings("sel._domainkey.cast.works"));
    }

    @Test
    void serversAreIpLiteralsWithAnOptionalPort() {
        assertEquals("192.0.2.53:53,192.0.2.54:5353,[2001:db8:0:0:0:0:0:53]:53,[0:0:0:0:0:0:0:1]:5353", DnsServers.parse(List.of(
                "192.0.2.53", "192.0.2.54:5353", "2001:db8::53", "[::1]:5353")).describe());
        assertEquals("system resolver", DnsServers.system().describe());
        for (String bad : List.of("ns1.example", "127.0.0.1:99999", "127.0.0.1:x", "[::1", "")) {
            assertThrows(IllegalArgumentException.class, () -> DnsServers.parse(List.of(bad)), bad);
        }
        assertEquals(dns.server() + "", resolver.describe());
    }
}
