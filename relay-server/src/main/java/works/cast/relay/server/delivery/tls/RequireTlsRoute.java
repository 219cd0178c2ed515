package works.cast.relay.server.delivery.tls;

/**
 * Whether a REQUIRETLS message may go to one MX host, and on what grounds (RFC 8689 section 4.2.1): the host's
 * certificate must be authenticated by DANE (RFC 7672), or by PKIX for the MX host name (RFC 6125) when that name is
 * itself trusted, because the MX answer was DNSSEC-validated, the domain's MTA-STS policy lists the host (RFC 8461
 * section 4.1), or the host is the recipient domain itself (no MX record, the A record used directly). Without any
 * of these the host cannot be validated and is not tried. Pure.
 */
public final class RequireTlsRoute {

    /** The verdict for one host. */
    public enum Verdict {
        /** Usable DNSSEC-validated TLSA records: the DANE check decides. */
        DANE,
        /** An MTA-STS policy (enforce or testing) lists the host: its certificate must verify for the host name. */
        STS,
        /** The MX answer was DNSSEC-validated: the certificate must verify for the host name. */
        DNSSEC_MX,
        /** The host is the recipient domain (implicit MX): the certificate must verify for that name. */
        DOMAIN_NAME,
        /** The domain's MTA-STS policy does not list the host. */
        NOT_IN_POLICY,
        /** The MTA-STS policy could not be fetched, and there is no cached one: perhaps later. */
        POLICY_UNKNOWN,
        /** Neither DNSSEC nor MTA-STS vouches for the host name. */
        UNVALIDATED;

        /** The host may be tried (with TLS required and the certificate checked). */
        public boolean allowed() {
            return this == DANE || this == STS || this == DNSSEC_MX || this == DOMAIN_NAME;
        }

        /** The refusal may go away by itself (a policy fetch that failed), so the message waits. */
        public boolean transientRefusal() {
            return this == POLICY_UNKNOWN;
        }
    }

    private RequireTlsRoute() {
    }

    /**
     * @param dane           the host has usable DNSSEC-validated TLSA records
     * @param stsActive      the domain has an MTA-STS policy in enforce or testing mode
     * @param stsListsHost   that policy's {@code mx} patterns match the host
     * @param stsFetchFailed the policy lookup failed (no policy known)
     * @param mxSecure       the MX answer (and so the host name) was DNSSEC-validated
     * @param hostIsDomain   the host name is the recipient domain itself (RFC 5321 section 5.1 implicit MX)
     */
    public static Verdict judge(boolean dane, boolean stsActive, boolean stsListsHost, boolean stsFetchFailed,
                                boolean mxSecure, boolean hostIsDomain) {
        if (dane) {
            return Verdict.DANE;
        }
        if (stsActive) {
            return stsListsHost ? Verdict.STS : Verdict.NOT_IN_POLICY;
        }
        if (mxSecure) {
            return Verdict.DNSSEC_MX;
        }
        if (hostIsDomain) {
            return Verdict.DOMAIN_NAME;
        }
        return stsFetchFailed ? Verdict.POLICY_UNKNOWN : Verdict.UNVALIDATED;
    }
}
