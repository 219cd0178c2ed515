package works.cast.relay.server.delivery.tls;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;
import works.cast.relay.server.dns.DnsAnswer;
import works.cast.relay.server.dns.DnsClient;

/**
 * The MTA-STS policies of recipient domains (RFC 8461 sections 3 and 5): the {@code _mta-sts.<domain>} TXT record
 * says whether a policy exists and its id; a new id has the policy fetched from {@code https://mta-sts.<domain>/}
 * (the host resolved through the relay's DNS servers, like the MX hosts) and cached on disk ({@link StsStore}). A
 * cached policy is used while it is valid, also when the TXT record is gone or DNS fails (section 5.1), and fetched
 * again in the background once half its max_age has passed. A failed fetch with no valid cached policy means no
 * policy (section 5.1), reported as {@code sts-policy-fetch-error}. Thread-safe; futures complete on dnsjava's or
 * the {@code io} executor's threads.
 */
public final class MtaSts {

    private static final Logger log = LoggerFactory.getLogger(MtaSts.class);

    /**
     * What applies to a domain now.
     *
     * @param policy  the policy in force, empty for none
     * @param id      its id, for pool keys and logs ("" without a policy)
     * @param failure why a policy could not be fetched, when it could not
     */
    public record Lookup(Optional<StsPolicy> policy, String id, Optional<TlsFailure> failure) {

        public static Lookup none() {
            return new Lookup(Optional.empty(), "", Optional.empty());
        }

        /** The policy when its mode is enforce or testing. */
        public Optional<StsPolicy> active() {
            return policy.filter(p -> p.mode() != StsPolicy.Mode.NONE);
        }
    }

    private final DnsClient dns;
    private final StsFetcher fetcher;
    private final StsStore store;
    private final Executor io;
    private final Clock clock;
    /** Domains with a policy only, so mail to many domains without one costs no memory here. */
    private final Map<String, StsStore.Entry> memory = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<StsStore.Entry>> fetching = new ConcurrentHashMap<>();

    /**
     * @param cacheDir  the directory of the cached policies, created when missing
     * @param httpsPort the policy hosts' HTTPS port (443)
     * @param io        runs the blocking policy fetches
     */
    public MtaSts(DnsClient dns, PeerTrust trust, int httpsPort, Duration timeout, Path cacheDir, Executor io,
                  Clock clock) throws IOException {
        this.dns = dns;
        this.fetcher = new StsFetcher(trust, httpsPort, timeout);
        this.store = new StsStore(cacheDir);
        this.io = io;
        this.clock = clock;
    }

    /** The policy of {@code domain} (lower case); never fails. */
    public CompletableFuture<Lookup> lookup(String domain) {
        return dns.query("_mta-sts." + domain, Type.TXT).handle((answer, e) -> {
            Optional<StsStore.Entry> cached = valid(domain);
            if (e != null || !answer.isDefinite()) {
                return CompletableFuture.completedFuture(cached.map(MtaSts::of).orElse(Lookup.none()));
            }
            Optional<String> id = StsRecord.id(strings(answer));
            if (id.isEmpty()) {
                return CompletableFuture.completedFuture(cached.map(MtaSts::of).orElse(Lookup.none()));
            }
            if (cached.isPresent() && cached.get().id().equals(id.get())) {
                StsStore.Entry c = cached.get();
                if (clock.instant().isAfter(c.fetched().plus(c.policy().maxAge().dividedBy(2)))) {
                    fetch(domain, id.get()); // refresh in the background; the cached policy holds meanwhile
                }
                return CompletableFuture.completedFuture(of(c));
            }
            return fetch(domain, id.get()).handle((fresh, f) -> {
                if (f == null) {
                    return of(fresh);
                }
                Throwable cause = f instanceof CompletionException && f.getCause() != null ? f.getCause() : f;
                String type = cause instanceof IllegalArgumentException ? TlsFailure.STS_POLICY_INVALID
                        : cause instanceof javax.net.ssl.SSLException ? TlsFailure.STS_WEBPKI_INVALID
                        : TlsFailure.STS_POLICY_FETCH_ERROR;
                TlsFailure failure = new TlsFailure(type, "mta-sts." + domain + ": " + cause.getMessage());
                log.warn("mta-sts fetch failed domain={} id={} kept={} error=\"{}\"", domain, id.get(),
                        cached.map(StsStore.Entry::id).orElse("none"), failure);
                return cached.map(c -> new Lookup(Optional.of(c.policy()), c.id(), Optional.of(failure)))
                        .orElse(new Lookup(Optional.empty(), "", Optional.of(failure)));
            });
        }).thenCompose(f -> f);
    }

    private static Lookup of(StsStore.Entry e) {
        return new Lookup(Optional.of(e.policy()), e.id(), Optional.empty());
    }

    private static List<String> strings(DnsAnswer answer) {
        List<String> out = new ArrayList<>();
        answer.records().forEach(r -> out.add(String.join("", ((TXTRecord) r).getStrings())));
        return out;
    }

    /** The cached entry of the domain while it is valid. */
    private Optional<StsStore.Entry> valid(String domain) {
        Instant now = clock.instant();
        StsStore.Entry e = memory.get(domain);
        if (e == null) {
            e = store.load(domain).orElse(null);
            if (e != null) {
                memory.putIfAbsent(domain, e);
            }
        }
        if (e != null && !now.isBefore(e.expires())) {
            memory.remove(domain, e);
            return Optional.empty();
        }
        return Optional.ofNullable(e);
    }

    /** Fetches, parses and caches the policy; one fetch per domain at a time. */
    private CompletableFuture<StsStore.Entry> fetch(String domain, String id) {
        CompletableFuture<StsStore.Entry> mine = new CompletableFuture<>();
        CompletableFuture<StsStore.Entry> running = fetching.putIfAbsent(domain, mine);
        if (running != null) {
            return running;
        }
        String host = "mta-sts." + domain;
        addresses(host).thenAcceptAsync(addresses -> {
            try {
                String body = fetcher.fetch(host, addresses);
                StsStore.Entry e = new StsStore.Entry(id, clock.instant(), body, StsPolicy.parse(body));
                store.save(domain, e);
                memory.put(domain, e);
                log.info("mta-sts policy domain={} id={} mode={} mx={} max_age={}", domain, id,
                        e.policy().mode().name().toLowerCase(java.util.Locale.ROOT), e.policy().mx(),
                        e.policy().maxAge().toSeconds());
                mine.complete(e);
            } catch (IOException | RuntimeException ex) {
                mine.completeExceptionally(ex);
            }
        }, io).exceptionally(ex -> {
            mine.completeExceptionally(ex instanceof CompletionException && ex.getCause() != null
                    ? ex.getCause() : ex);
            return null;
        });
        mine.whenComplete((e, ex) -> fetching.remove(domain, mine));
        return mine;
    }

    /** The policy host's addresses through the relay's DNS servers, IPv4 first. */
    private CompletableFuture<List<InetAddress>> addresses(String host) {
        return dns.addresses(host);
    }
}
