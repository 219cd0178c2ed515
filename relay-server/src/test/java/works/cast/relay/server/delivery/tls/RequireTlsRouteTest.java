package works.cast.relay.server.delivery.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RequireTlsRouteTest {

    /**
     * RFC 8689 section 4.2.1: DANE, else MTA-STS listing the host, else a DNSSEC-validated MX, else the domain's own
     * name (no MX); nothing else.
     */
    @ParameterizedTest
    @CsvSource({
        // dane, stsActive, stsListsHost, stsFetchFailed, mxSecure, hostIsDomain -> verdict, allowed, transient
        "true,  false, false, false, true,  false, DANE,           true,  false",
        "true,  true,  false, false, true,  false, DANE,           true,  false", // DANE over MTA-STS (RFC 8461 s. 2)
        "false, true,  true,  false, false, false, STS,            true,  false",
        "false, true,  true,  false, true,  false, STS,            true,  false",
        "false, true,  false, false, false, false, NOT_IN_POLICY,  false, false",
        "false, true,  false, false, true,  false, NOT_IN_POLICY,  false, false",
        "false, true,  false, false, false, true,  NOT_IN_POLICY,  false, false",
        "false, false, false, false, true,  false, DNSSEC_MX,      true,  false",
        "false, false, false, true,  true,  false, DNSSEC_MX,      true,  false",
        "false, false, false, false, false, true,  DOMAIN_NAME,    true,  false",
        "false, false, false, true,  false, true,  DOMAIN_NAME,    true,  false",
        "false, false, false, true,  false, false, POLICY_UNKNOWN, false, true",
        "false, false, false, false, false, false, UNVALIDATED,    false, false",
    })
    void judgesOneHost(boolean dane, boolean stsActive, boolean listed, boolean fetchFailed, boolean mxSecure,
                       boolean hostIsDomain, RequireTlsRoute.Verdict expected, boolean allowed,
                       boolean transientRefusal) {
        RequireTlsRoute.Verdict v = RequireTlsRoute.judge(dane, stsActive, listed, fetchFailed, mxSecure,
                hostIsDomain);
        assertEquals(expected, v);
        assertEquals(allowed, v.allowed());
        assertEquals(transientRefusal, v.transientRefusal());
    }
}
