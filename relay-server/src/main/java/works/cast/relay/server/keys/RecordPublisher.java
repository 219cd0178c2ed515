package works.cast.relay.server.keys;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import works.cast.relay.core.keys.DnsTxtRecord;
import works.cast.relay.core.keys.SelectorKey;
import works.cast.relay.server.config.DnsUpdateConfig;
import works.cast.relay.server.config.SigningConfig;

/**
 * Publishes, revokes and removes selectors' key records through {@link DnsUpdater}, with the settings of each
 * signing domain ({@code dns-update}, {@code delegate-to}), and waits until a published record is seen as receivers
 * will see it: through {@code relay.dns.servers}, compared by {@link KeyCheck}. The revocation record is
 * {@code v=DKIM1; p=} (RFC 6376 section 3.6.1: an empty p= means the key has been revoked).
 *
 * <p>Blocking; thread-safe.
 */
public final class RecordPublisher {

    /** The record that says a selector's key is revoked. */
    public static final String REVOKED = "v=DKIM1; p=";

    /** Between two looks at a record that is not yet visible. */
    static final Duration POLL = Duration.ofMillis(250);

    private final Function<String, Optional<DnsUpdateConfig>> updates;
    private final Function<String, Optional<String>> delegation;
    private final KeyCheck check;

    /**
     * @param updates    the dns-update settings of a domain, if it has any
     * @param delegation the zone a domain's records are delegated to, if any
     * @param check      compares records as seen through relay.dns.servers
     */
    public RecordPublisher(Function<String, Optional<DnsUpdateConfig>> updates,
                           Function<String, Optional<String>> delegation, KeyCheck check) {
        this.updates = Objects.requireNonNull(updates, "updates");
        this.delegation = Objects.requireNonNull(delegation, "delegation");
        this.check = Objects.requireNonNull(check, "check");
    }

    public static RecordPublisher of(SigningConfig signing, KeyCheck check) {
        return new RecordPublisher(signing::dnsUpdateFor, signing::delegateTo, check);
    }

    /** True when the domain's records can be changed by the relay. */
    public boolean canPublish(String domain) {
        return updates.apply(domain).isPresent();
    }

    /** True when the domain's records live in a delegated zone ({@code delegate-to}). */
    public boolean isDelegated(String domain) {
        return delegation.apply(domain).isPresent();
    }

    /**
     * The name the relay writes a selector's record at: {@code s._domainkey.d}, or with delegation
     * {@code s.d.<delegate-to>} (which {@code s._domainkey.d} points to by CNAME).
     */
    public String recordName(String selector, String domain) {
        return delegation.apply(domain).map(z -> selector + "." + domain + "." + z)
                .orElseGet(() -> DnsTxtRecord.owner(selector, domain));
    }

    /** The CNAME the domain's owner adds once, when the domain is delegated. */
    public Optional<String> cname(String selector, String domain) {
        return delegation.apply(domain).map(z -> DnsTxtRecord.owner(selector, domain) + ". IN CNAME "
                + recordName(selector, domain) + ".");
    }

    /** What a publication did. */
    public record Published(String name, String server, DnsUpdater.Outcome outcome, Duration seenAfter) {
    }

    /**
     * Adds the selector's record (never over another record) and waits until it matches through relay.dns.servers.
     * When it is not seen in time the added record is taken back, so nothing is left half-done.
     */
    public Published publish(SelectorKey k) {
        DnsUpdater updater = updater(k.domain().name());
        String name = recordName(k.selector(), k.domain().name());
        List<String> strings = DnsTxtRecord.split(DnsTxtRecord.value(k.key()));
        long start = System.nanoTime();
        DnsUpdater.Outcome outcome = updater.add(name, strings);
        Duration wait = updater.config().publishWait();
        long deadline = start + wait.toNanos();
        KeyCheck.Result r = check.check(k);
        while (!r.matches() && System.nanoTime() < deadline) {
            sleep(POLL);
            r = check.check(k);
        }
        if (!r.matches()) {
            String withdrawn = outcome == DnsUpdater.Outcome.CHANGED ? withdrawQuietly(updater, name, strings) : "";
            throw new DnsUpdateException("published TXT " + name + " at " + updater.config().describeServer()
                    + ", but after " + wait.toSeconds() + "s " + check.describe() + " still shows it "
                    + r.status().text() + " (" + r.detail() + ")" + withdrawn);
        }
        return new Published(name, updater.config().describeServer(), outcome,
                Duration.ofNanos(System.nanoTime() - start));
    }

    /** Takes back the selector's own record (for a key that is being dropped before use). */
    public DnsUpdater.Outcome withdraw(SelectorKey k) {
        return updater(k.domain().name()).delete(recordName(k.selector(), k.domain().name()),
                DnsTxtRecord.split(DnsTxtRecord.value(k.key())));
    }

    /** Replaces a retired selector's record by the revocation record {@code v=DKIM1; p=}. */
    public DnsUpdater.Outcome revoke(SelectorKey k) {
        return updater(k.domain().name()).replace(recordName(k.selector(), k.domain().name()),
                DnsTxtRecord.split(DnsTxtRecord.value(k.key())), List.of(REVOKED));
    }

    /** Deletes the revocation record of a selector. */
    public DnsUpdater.Outcome remove(SelectorKey k) {
        return updater(k.domain().name()).delete(recordName(k.selector(), k.domain().name()), List.of(REVOKED));
    }

    private String withdrawQuietly(DnsUpdater updater, String name, List<String> strings) {
        try {
            updater.delete(name, strings);
            return "; the record was taken back";
        } catch (DnsUpdateException e) {
            return "; taking the record back failed too: " + e.getMessage();
        }
    }

    private DnsUpdater updater(String domain) {
        DnsUpdateConfig c = updates.apply(domain).orElseThrow(() -> new DnsUpdateException("no dns-update for "
                + domain + ": set relay.signing.dns-update (or signing.domains.\"" + domain + "\".dns-update) to"
                + " publish records, or publish them by hand (dkim-relay keys dns --domain " + domain + ")"));
        return new DnsUpdater(c);
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DnsUpdateException("interrupted while waiting for the record", e);
        }
    }
}
