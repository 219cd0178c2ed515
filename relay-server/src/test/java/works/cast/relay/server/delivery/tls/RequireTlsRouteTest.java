package works.cast.relay.server.delivery.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RequireTlsRouteTest {

    /** RFC 8689 section 4.2.1: DANE, else MTA-STS listing the host, else a DNSSEC-validated MX; nothing else. */
    @ParameterizedTest
    @CsvSource({
        // dane, stsActive, stsListsHost, stsFetchFailed, mxSecure -> verdict, allowed, transient
        "true,  false, false, false, true,  DANE,           true,  false",
        "true,  true,  false, false, true,  DANE,           true,  false", // DANE over MTA-STS (RFC 8461 section 2)
        "false, true,  true,  false, false, STS,            true,  false",
        "false, true,  true,  false, true,  STS,            true,  false",
        "false, true,  false, false, false, NOT_IN_POLICY,  false, false",
        "false, true,  false, false, true,  NOT_IN_POLICY,  false, false",
        "false, false, false, false, true,  DNSSEC_MX,      true,  false",
        "false, false, false, true,  true,  DNSSEC_MX,      true,  false",
        "false, false, false, true,  false, POLICY_UNKNOWN, false, true",
        "false, false, false, false, false, UNVALIDATED,    false, false",
    })
    void judgesOneHost(boolean dane, boolean stsActive, boolean listed, boolean fetchFailed, boolean mxSecure,
                       RequireTlsRoute.Verdict expected, boolean allowed, boolean transientRefusal) {
        RequireTlsRoute.Verdict v = RequireTlsRoute.judge(dane, stsActive, listed, fetchFailed, mxSecure);
        assertEquals(expected, v);
        assertEquals(allowed, v.allowed());
        assertEquals(transientRefusal, v.transientRefusal());
    }
}
