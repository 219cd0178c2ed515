package works.cast.relay.server.delivery.tls;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.xbill.DNS.Type;
import works.cast.relay.server.dns.DnsClient;

/**
 * Whether the configured resolver validates DNSSEC, as DANE needs (RFC 7672 section 2.1): it must set the AD bit on
 * the answer for a signed name, and the root zone is signed. Used by {@code check-config} and at startup.
 */
public final class ResolverCheck {

    private ResolverCheck() {
    }

    /** A warning when the resolver does not vouch for the root's SOA with the AD bit; empty when it does. */
    public static CompletableFuture<Optional<String>> daneWarning(DnsClient dns) {
        return dns.query(".", Type.SOA).handle((a, e) -> {
            if (e == null && a.authenticated()) {
                return Optional.empty();
            }
            String got = e != null ? "no answer (" + e.getMessage() + ")" : a.rcodeText() + " without the AD bit";
            return Optional.of("relay.delivery.mx.dane is on, but the resolver " + dns.describe()
                    + " answered the root SOA with " + got + ": DANE needs a validating resolver on a trusted path "
                    + "(relay.dns.servers), else no TLSA record is ever trusted");
        });
    }
}
