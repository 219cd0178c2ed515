package works.cast.relay.server.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import works.cast.relay.server.smtp.Replies;

class RequireTlsHopsTest {

    private static UpstreamException failure(String kind, String host) {
        return switch (kind) {
            case "not-offered" -> UpstreamException.requireTls(host, Replies.requireTlsNotOffered(host));
            case "unvalidated" -> UpstreamException.requireTls(host, Replies.requireTlsUnvalidated(host, "no DANE"));
            case "undecided" -> UpstreamException.requireTls(host, Replies.requireTlsUndecided(host, "fetch"));
            case "bad-cert" -> RequireTlsHops.asRequireTls(UpstreamException.tls(host, "self-signed", null), host);
            case "connect" -> RequireTlsHops.asRequireTls(UpstreamException.connect(host,
                    new java.net.ConnectException("refused")), host);
            case "busy" -> UpstreamException.refused(host, "the session",
                    new works.cast.relay.server.message.Reply(421, "4.3.2", "busy"));
            default -> throw new IllegalArgumentException(kind);
        };
    }

    /**
     * RFC 8689 section 4.2.1: a host that cannot satisfy REQUIRETLS makes way for the next MX; the message bounces
     * (with the last refusal) only when every host refused it so. A host that failed otherwise may work later.
     */
    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
        "not-offered;                        550 5.7.30",
        "unvalidated;                        550 5.7.10",
        "bad-cert;                           550 5.7.10",
        "bad-cert not-offered;               550 5.7.30",
        "not-offered unvalidated;            550 5.7.10",
        "connect;                            wait",
        "not-offered connect;                wait",
        "busy not-offered;                   wait",
        "undecided;                          wait",
        "unvalidated undecided;              wait",
        ";                                   wait",
    })
    void bouncesOnlyWhenEveryHostRefused(String hosts, String expected) {
        RequireTlsHops hops = new RequireTlsHops();
        int i = 0;
        for (String kind : hosts == null ? new String[0] : hosts.trim().split(" +")) {
            hops.failed(failure(kind, "mx" + i++ + ".example.net"));
        }
        Optional<String> bounce = hops.bounce().map(r -> r.code() + " " + r.enhanced());
        assertEquals(expected, bounce.orElse("wait"));
    }
}
