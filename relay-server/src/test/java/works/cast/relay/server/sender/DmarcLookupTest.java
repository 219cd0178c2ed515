package works.cast.relay.server.sender;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DmarcLookupTest {

    @Test
    void walkIsLongestFirstAndAtMostEightNames() {
        assertEquals(List.of("mail.cast.works", "cast.works", "works"), DmarcLookup.walk("mail.cast.works"));
        assertEquals(List.of("a.b.c.d.e.f.g.h.i.example", "d.e.f.g.h.i.example", "e.f.g.h.i.example",
                "f.g.h.i.example", "g.h.i.example", "h.i.example", "i.example", "example"),
                DmarcLookup.walk("a.b.c.d.e.f.g.h.i.example"));
    }

    @Test
    void ownRecordThenParentsSubdomainPolicy() {
        MapDns dns = new MapDns().txt("_dmarc.cast.works", "v=DMARC1; p=reject; sp=quarantine; rua=mailto:d@cast.works");
        DmarcLookup own = DmarcLookup.find(dns, "cast.works");
        assertEquals(Optional.of("reject"), own.policy());
        DmarcLookup sub = DmarcLookup.find(dns, "mail.cast.works");
        assertEquals(Optional.of("cast.works"), sub.foundAt());
        assertEquals(Optional.of("quarantine"), sub.policy(), "sp= applies below the record's domain");
        assertEquals(Optional.empty(), DmarcLookup.find(new MapDns(), "castworks.co.jp").record());
        assertEquals(Optional.of("_dmarc.cast.fail.example: SERVFAIL"),
                DmarcLookup.find(new MapDns(), "cast.fail.example").problem());
    }
}
