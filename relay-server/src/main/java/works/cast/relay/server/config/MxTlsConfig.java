package works.cast.relay.server.config;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * The TLS policies of direct MX delivery: MTA-STS (RFC 8461) and DANE (RFC 7672), and the certificates trusted for
 * them besides the JDK's.
 *
 * @param mtaSts    look up and apply the recipient domains' MTA-STS policies
 * @param httpsPort the port of the policy hosts ({@code https://mta-sts.<domain>/}); 443 except in tests
 * @param dane      apply DNSSEC-validated TLSA records of the MX hosts
 * @param trustStore PEM bundle of CA certificates added to the JDK's, for MTA-STS policy hosts and MX certificates
 * @param tlsRpt     send daily SMTP TLS reports (RFC 8460) from {@code tlsRptFrom}; empty when off
 */
public record MxTlsConfig(boolean mtaSts, int httpsPort, boolean dane, Optional<Path> trustStore,
                          Optional<String> tlsRpt) {

    /** Without TLS reports. */
    public MxTlsConfig(boolean mtaSts, int httpsPort, boolean dane, Optional<Path> trustStore) {
        this(mtaSts, httpsPort, dane, trustStore, Optional.empty());
    }

    public MxTlsConfig {
        Objects.requireNonNull(trustStore, "trustStore");
        Objects.requireNonNull(tlsRpt, "tlsRpt");
        if (httpsPort < 1 || httpsPort > 65535) {
            throw new IllegalArgumentException("httpsPort out of range: " + httpsPort);
        }
    }

    /** Opportunistic TLS only: neither policy applies. */
    public static MxTlsConfig off() {
        return new MxTlsConfig(false, 443, false, Optional.empty());
    }
}
