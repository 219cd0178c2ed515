package works.cast.relay.server.cli.keys;

import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import works.cast.relay.core.keys.DnsTxtRecord;
import works.cast.relay.core.keys.KeyException;
import works.cast.relay.core.keys.KeyRing;
import works.cast.relay.core.keys.KeyStore;
import works.cast.relay.core.keys.SelectorKey;
import works.cast.relay.core.mail.Domain;
import works.cast.relay.server.cli.CliDns;
import works.cast.relay.server.dns.DnsClient;
import works.cast.relay.server.dns.DnsTxtResolver;
import works.cast.relay.server.json.Json;
import works.cast.relay.server.keys.DnsUpdateException;
import works.cast.relay.server.keys.KeyCheck;
import works.cast.relay.server.keys.RecordPublisher;

/**
 * The shared part of the {@code keys} subcommands: options, output streams, and the one place that turns a problem
 * into a one-line reason on stderr with exit status 1.
 */
abstract class KeysSubcommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    KeysOptions options;

    final Clock clock = Clock.systemUTC();

    /** Does the work; returns the exit status. */
    abstract int run() throws Exception;

    @Override
    public final Integer call() {
        try {
            return run();
        } catch (KeyException | DnsUpdateException | IllegalArgumentException | IllegalStateException
                 | UncheckedIOException e) {
            err().println(prefix() + e.getMessage());
        } catch (Exception e) {
            err().println(prefix() + e);
        }
        err().flush();
        return 1;
    }

    private String prefix() {
        return "dkim-relay keys " + spec.name() + ": ";
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    boolean json() {
        return options.json;
    }

    void printJson(Object value) {
        out().println(Json.write(value));
        out().flush();
    }

    KeyStore store() {
        return new KeyStore(options.keysDir());
    }

    static Domain domain(String d) {
        return new Domain(d);
    }

    /** The selectors of one domain (which must have some) or of all domains. */
    static List<SelectorKey> selectors(KeyRing ring, KeyStore store, Optional<String> domain) {
        if (domain.isEmpty()) {
            return ring.all().stream().sorted(java.util.Comparator.comparing((SelectorKey k) -> k.domain().name())
                    .thenComparing(SelectorKey::selector)).toList();
        }
        Domain d = domain(domain.get());
        List<SelectorKey> keys = ring.selectors(d);
        if (keys.isEmpty()) {
            throw new KeyException("unknown domain " + d + ": no keys in " + store.domainDir(d)
                    + " (run dkim-relay keys generate --domain " + d + ")");
        }
        return keys;
    }

    static SelectorKey find(KeyRing ring, KeyStore store, String domain, String selector) {
        return selectors(ring, store, Optional.of(domain)).stream().filter(k -> k.selector().equals(selector))
                .findFirst().orElseThrow(() -> new KeyException("unknown selector " + selector + " for " + domain
                        + " (see dkim-relay keys list --domain " + domain + ")"));
    }

    /** The key check against {@code --dns} when given, else the config's {@code relay.dns.servers}. */
    KeyCheck check(Optional<String> dns) {
        return new KeyCheck(resolver(dns));
    }

    /**
     * The selector a new key takes: the one asked for; for a delegated domain the free stable name (s1/s2, e1/e2);
     * else empty (the next sYYYYMMx).
     */
    Optional<String> selectorFor(KeyStore store, works.cast.relay.core.mail.Domain d,
                                 works.cast.relay.core.keys.KeyAlgorithm algorithm, Optional<String> asked) {
        if (asked.isPresent()
                || CliDns.config(Optional.ofNullable(options.config)).signing().delegateTo(d.name()).isEmpty()) {
            return asked;
        }
        Optional<String> stable = works.cast.relay.server.keys.StableSelectors.next(store, store.load(), d, algorithm);
        if (stable.isEmpty()) {
            throw new KeyException(d + " is delegated and both stable selectors "
                    + works.cast.relay.server.keys.StableSelectors.names(algorithm) + " are in use: retire one and wait"
                    + " until its record is removed (signing.rotation.remove-after), or give --selector");
        }
        return stable;
    }

    /** Publishes with the config's dns-update settings, reading records back through {@code --dns} or relay.dns.servers. */
    RecordPublisher publisher(Optional<String> dns) {
        return RecordPublisher.of(CliDns.config(Optional.ofNullable(options.config)).signing(), check(dns));
    }

    /**
     * Publishes a prepared key's record, then adds the key to the store; when adding fails the record is taken
     * back, so a failure at any step leaves DNS and the store as they were.
     */
    SelectorKey publishThenAdd(KeyStore store, SelectorKey prepared, boolean activate, RecordPublisher publisher) {
        RecordPublisher.Published p = publisher.publish(prepared);
        SelectorKey k;
        try {
            k = store.add(prepared, activate);
        } catch (RuntimeException e) {
            try {
                publisher.withdraw(prepared);
            } catch (DnsUpdateException again) {
                e.addSuppressed(again);
            }
            throw e;
        }
        printPublished(p);
        return k;
    }

    void printPublished(RecordPublisher.Published p) {
        if (!json()) {
            out().printf("published TXT %s at %s (%s); it matches through relay.dns.servers after %.1fs%n", p.name(),
                    p.server(), p.outcome() == works.cast.relay.server.keys.DnsUpdater.Outcome.CHANGED ? "added"
                            : "already there", p.seenAfter().toMillis() / 1000.0);
        }
    }

    static Map<String, Object> publishedView(RecordPublisher.Published p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", p.name());
        m.put("server", p.server());
        m.put("added", p.outcome() == works.cast.relay.server.keys.DnsUpdater.Outcome.CHANGED);
        m.put("seen_after_ms", p.seenAfter().toMillis());
        return m;
    }

    DnsTxtResolver resolver(Optional<String> dns) {
        return new DnsTxtResolver(dnsClient(dns));
    }

    DnsClient dnsClient(Optional<String> dns) {
        return CliDns.client(dns, Optional.ofNullable(options.config));
    }

    /** A selector as JSON fields. */
    static Map<String, Object> view(SelectorKey k) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("domain", k.domain().name());
        m.put("selector", k.selector());
        m.put("algorithm", k.key().algorithm().tagValue());
        m.put("bits", k.key().bits());
        m.put("state", k.state().text());
        m.put("created", k.created().toString());
        m.put("activated", k.activated().map(Object::toString));
        m.put("retired", k.retired().map(Object::toString));
        return m;
    }

    /** A selector and its DNS record as JSON fields. */
    static Map<String, Object> recordView(SelectorKey k) {
        Map<String, Object> m = view(k);
        String value = DnsTxtRecord.value(k.key());
        m.put("name", DnsTxtRecord.owner(k.selector(), k.domain().name()));
        m.put("value", value);
        m.put("strings", DnsTxtRecord.split(value));
        m.put("zone", DnsTxtRecord.zoneFile(k.selector(), k.domain().name(), k.key()));
        return m;
    }

    static Map<String, Object> checkView(KeyCheck.Result r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", r.status().text());
        m.put("detail", r.detail());
        m.put("published", r.published());
        return m;
    }

    /** {@link #zone}, at the delegated name when the domain has {@code delegate-to}. */
    String zoneToPublish(SelectorKey k) {
        return zone(k).replace(DnsTxtRecord.owner(k.selector(), k.domain().name()) + ". IN TXT",
                recordName(k) + ". IN TXT");
    }

    /** Where the selector's TXT record lives: {@code s._domainkey.d}, or its delegated name. */
    String recordName(SelectorKey k) {
        return RecordPublisher.of(CliDns.config(Optional.ofNullable(options.config)).signing(),
                new KeyCheck(n -> new works.cast.relay.server.dns.TxtResult.NotFound("unused")))
                .recordName(k.selector(), k.domain().name());
    }

    /** The record in zone-file form with the full owner name, ready to paste. */
    static String zone(SelectorKey k) {
        List<String> parts = DnsTxtRecord.split(DnsTxtRecord.value(k.key()));
        StringBuilder sb = new StringBuilder(DnsTxtRecord.owner(k.selector(), k.domain().name())).append(". IN TXT (");
        for (String p : parts) {
            sb.append("\n    \"").append(p).append('"');
        }
        return sb.append(" )").toString();
    }
}
