package works.cast.relay.server;

import java.util.ArrayList;
import java.util.List;
import works.cast.relay.server.config.DeliveryConfig;
import works.cast.relay.server.config.RelayConfig;
import works.cast.relay.server.config.RotationConfig;
import works.cast.relay.server.config.SigningConfig;

/** Which parts of a changed config file a running relay cannot take over without a restart. */
final class ConfigDiff {

    private ConfigDiff() {
    }

    /**
     * The config sections that differ, other than those a reload applies (access, tls, signing.rotation, and dns for
     * the key checks; MX delivery keeps the servers it started with).
     */
    static List<String> needingRestart(RelayConfig running, RelayConfig fresh) {
        List<String> out = new ArrayList<>();
        check(out, "hostname", running.hostname(), fresh.hostname());
        check(out, "smtp", running.smtp(), fresh.smtp());
        check(out, "keys-dir", running.keysDir(), fresh.keysDir());
        check(out, "signing", withRotation(running.signing(), fresh.signing().rotation()), fresh.signing());
        check(out, "delivery", running.delivery(), fresh.delivery());
        check(out, "queue", running.queue(), fresh.queue());
        check(out, "limits", running.limits(), fresh.limits());
        check(out, "limits.rates", running.rateLimits(), fresh.rateLimits());
        check(out, "http", running.http(), fresh.http());
        check(out, "logging", running.logging(), fresh.logging());
        if (running.delivery().mode() == DeliveryConfig.Mode.MX) {
            check(out, "dns (for MX delivery)", running.dns(), fresh.dns());
        }
        if (!running.access().usersFile().equals(fresh.access().usersFile())
                || running.access().requireTlsForAuth() != fresh.access().requireTlsForAuth()
                || !running.access().authFailureDelay().equals(fresh.access().authFailureDelay())) {
            out.add("access (other than networks)");
        }
        return out;
    }

    /** {@code s} with another rotation block. */
    static SigningConfig withRotation(SigningConfig s, RotationConfig rotation) {
        return new SigningConfig(s.domains(), s.subdomains(), s.unknownDomain(), s.canonicalization(), s.headers(),
                s.oversign(), s.expireAfter(), rotation, s.developmentKeys(), s.requireUnsubscribe(), s.dnsUpdate());
    }

    private static void check(List<String> out, String name, Object a, Object b) {
        if (!a.equals(b)) {
            out.add(name);
        }
    }
}
