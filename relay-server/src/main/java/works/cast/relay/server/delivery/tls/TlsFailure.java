package works.cast.relay.server.delivery.tls;

import java.util.Objects;

/**
 * Why a TLS session did not satisfy a policy, with its RFC 8460 section 4.3 result type.
 *
 * @param type   the result type, such as {@code certificate-host-mismatch}
 * @param detail a sentence for logs and replies
 */
public record TlsFailure(String type, String detail) {

    public static final String STARTTLS_NOT_SUPPORTED = "starttls-not-supported";
    public static final String CERTIFICATE_HOST_MISMATCH = "certificate-host-mismatch";
    public static final String CERTIFICATE_EXPIRED = "certificate-expired";
    public static final String CERTIFICATE_NOT_TRUSTED = "certificate-not-trusted";
    public static final String VALIDATION_FAILURE = "validation-failure";
    public static final String TLSA_INVALID = "tlsa-invalid";
    public static final String DNSSEC_INVALID = "dnssec-invalid";
    public static final String DANE_REQUIRED = "dane-required";
    public static final String STS_POLICY_FETCH_ERROR = "sts-policy-fetch-error";
    public static final String STS_POLICY_INVALID = "sts-policy-invalid";
    public static final String STS_WEBPKI_INVALID = "sts-webpki-invalid";
    /** Not an RFC 8460 type: the MX host is not among the MTA-STS policy's patterns. */
    public static final String MX_NOT_IN_POLICY = "mx-not-in-policy";

    public TlsFailure {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(detail, "detail");
    }

    @Override
    public String toString() {
        return type + ": " + detail;
    }
}
