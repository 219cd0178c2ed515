package works.cast.relay.server.delivery.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** RFC 8461 sections 3.1, 3.2 and 4.1: the TXT record, the policy text and MX host matching. */
class StsPolicyTest {

    @Test
    void parsesTheRfcExample() {
        StsPolicy p = StsPolicy.parse("version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\n"
                + "mx: *.example.net\r\nmx: backupmx.example.com\r\nmax_age: 604800\r\n");
        assertEquals(StsPolicy.Mode.ENFORCE, p.mode());
        assertEquals(List.of("mail.example.com", "*.example.net", "backupmx.example.com"), p.mx());
        assertEquals(Duration.ofDays(7), p.maxAge());
    }

    @Test
    void acceptsBareLineFeedsAndIgnoresUnknownKeys() {
        StsPolicy p = StsPolicy.parse("version: STSv1\nmode: testing\nmx: MX.Example.COM.\nmax_age: 86400\n"
                + "extension: whatever\n");
        assertEquals(StsPolicy.Mode.TESTING, p.mode());
        assertEquals(List.of("mx.example.com"), p.mx());
        assertEquals(List.of("version: STSv1", "mode: testing", "mx: MX.Example.COM.", "max_age: 86400",
                "extension: whatever"), p.lines(), "the lines as fetched, for TLS reports");
    }

    @Test
    void refusesBrokenPolicies() {
        assertThrows(IllegalArgumentException.class, () -> StsPolicy.parse("mode: enforce\nmx: a.b\nmax_age: 1\n"));
        assertThrows(IllegalArgumentException.class,
                () -> StsPolicy.parse("version: STSv2\nmode: enforce\nmx: a.b\nmax_age: 1\n"));
        assertThrows(IllegalArgumentException.class,
                () -> StsPolicy.parse("version: STSv1\nmode: strict\nmx: a.b\nmax_age: 1\n"));
        assertThrows(IllegalArgumentException.class,
                () -> StsPolicy.parse("version: STSv1\nmode: enforce\nmax_age: 1\n"));
        assertThrows(IllegalArgumentException.class,
                () -> StsPolicy.parse("version: STSv1\nmode: enforce\nmx: a.b\nmax_age: 31557601\n"));
        assertThrows(IllegalArgumentException.class,
                () -> StsPolicy.parse("version: STSv1\nmode: enforce\nmx: a.b\n"));
        // mode none needs no mx
        assertEquals(StsPolicy.Mode.NONE, StsPolicy.parse("version: STSv1\nmode: none\nmax_age: 1\n").mode());
    }

    @Test
    void aWildcardStandsForExactlyOneLeftmostLabel() {
        StsPolicy p = StsPolicy.parse("version: STSv1\nmode: enforce\nmx: *.example.net\nmx: mail.example.com\n"
                + "max_age: 1\n");
        assertTrue(p.allows("mx1.example.net"));
        assertTrue(p.allows("MX1.EXAMPLE.NET."));
        assertFalse(p.allows("example.net"));
        assertFalse(p.allows("a.b.example.net"));
        assertTrue(p.allows("mail.example.com"));
        assertFalse(p.allows("mail.example.com.evil.test"));
    }

    @Test
    void readsTheTxtRecord() {
        assertEquals(Optional.of("20160831085700Z"), StsRecord.id(List.of("v=STSv1; id=20160831085700Z;")));
        assertEquals(Optional.of("abc"), StsRecord.id(List.of("v=spf1 -all", "v=STSv1;id=abc")));
        assertEquals(Optional.empty(), StsRecord.id(List.of("v=STSv1; id=a", "v=STSv1; id=b")), "two records");
        assertEquals(Optional.empty(), StsRecord.id(List.of("v=STSv1;")), "no id");
        assertEquals(Optional.empty(), StsRecord.id(List.of("v=STSv1; id=not-alnum")));
        assertEquals(Optional.empty(), StsRecord.id(List.of()));
    }

    @Test
    void readsTheTlsRptRecordsMailtoAddressesAndHttpsUris() {
        TlsReport.ReportUris both = TlsReport.reportUris(List.of(
                "v=TLSRPTv1; rua=https://reports.example.net/v1?k=1,mailto:a@example.net, MAILTO:b@example.org?x=y"));
        assertEquals(List.of("a@example.net", "b@example.org"), both.mailto());
        assertEquals(List.of(java.net.URI.create("https://reports.example.net/v1?k=1")), both.https());
        TlsReport.ReportUris https = TlsReport.reportUris(List.of("v=TLSRPTv1; rua=https://r.example.net:8443/"));
        assertEquals(List.of(), https.mailto());
        assertEquals(List.of(java.net.URI.create("https://r.example.net:8443/")), https.https());
        assertTrue(TlsReport.reportUris(List.of("v=TLSRPTv1; rua=mailto:a@x.test",
                "v=TLSRPTv1; rua=mailto:b@x.test")).isEmpty(), "two records");
        assertTrue(TlsReport.reportUris(List.of("v=spf1 -all")).isEmpty());
        assertTrue(TlsReport.reportUris(List.of("v=TLSRPTv1; rua=http://plain.example.net/,ftp://x/,https://")).isEmpty(),
                "http, other schemes and a URI without a host are not used");
    }
}
