package works.cast.relay.server;

import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import works.cast.relay.core.dkim.canon.Canonicalization;
import works.cast.relay.core.dkim.canon.RelaxedBodyCanonicalizer;
import works.cast.relay.core.keys.CryptoProvider;
import works.cast.relay.core.mail.Domain;
import works.cast.relay.core.policy.DomainPolicy;
import works.cast.relay.core.policy.SigningPolicy;
import works.cast.relay.server.config.RelayConfig;
import works.cast.relay.server.config.RotationConfig;
import works.cast.relay.server.config.SigningConfig;
import works.cast.relay.server.bounce.DsnBuilder;
import works.cast.relay.server.dns.DnsClient;
import works.cast.relay.server.dns.DnsTxtResolver;
import works.cast.relay.server.intake.OriginatedMailSigner;
import works.cast.relay.server.keys.KeyCheck;
import works.cast.relay.server.keys.KeyStoreWatcher;
import works.cast.relay.server.ops.ConsoleSources;
import works.cast.relay.server.ops.DirectoryWritableCheck;
import works.cast.relay.server.ops.RelayMetrics;
import works.cast.relay.server.sender.ClientSenderDns;
import works.cast.relay.server.sender.DomainChecker;
import works.cast.relay.server.sender.SenderCheckRunner;
import works.cast.relay.server.sender.SenderChecks;
import works.cast.relay.server.smtp.Authenticator;
import works.cast.relay.server.smtp.SessionEvents;

/**
 * The parts of the relay that are built from its configuration alone, each by one method: the signing policy, the
 * key store's options, the bounce writer, the sender checks, the console's sources. {@link Relay} starts them in
 * order; nothing here binds a port or starts a thread.
 */
final class RelayWiring {

    private static final Logger log = LoggerFactory.getLogger(RelayWiring.class);

    private RelayWiring() {
    }

    /** What the operator console shows, read at each request. */
    static ConsoleSources consoleSources(RelayConfig config, KeyStoreWatcher keys,
                                                 Optional<SenderCheckRunner> senderChecks, java.time.Instant started) {
        String version = Optional.ofNullable(RelayWiring.class.getPackage().getImplementationVersion()).orElse("development");
        return new ConsoleSources(config.hostname(), version, started, CryptoProvider.describe(),
                RelaxedBodyCanonicalizer.vectorScan() ? "vector" : "portable",
                config.delivery().mode().name().toLowerCase(java.util.Locale.ROOT)
                        + (config.delivery().passthrough() ? " (passthrough)" : ""),
                List.copyOf(config.signing().domains().keySet()), keys.ring(),
                () -> senderChecks.map(SenderCheckRunner::reports).orElse(Map.of()),
                () -> senderChecks.flatMap(SenderCheckRunner::lastRound),
                config.delivery().mode() == works.cast.relay.server.config.DeliveryConfig.Mode.DIRECTORY
                        ? Optional.empty() : Optional.of(config.queue().dir()), config.tls().profile());
    }

    /** The daily DNS checks of every signing domain, through the relay's DNS client. */
    static Optional<SenderCheckRunner> senderChecks(RelayConfig config, KeyStoreWatcher keys) {
        if (!config.senderChecks().enabled()) {
            return Optional.empty();
        }
        DnsClient dns = DnsClient.of(config.dns());
        KeyCheck keyCheck = new KeyCheck(new DnsTxtResolver(dns));
        DomainChecker checker = new DomainChecker(new ClientSenderDns(dns), SenderChecks.egress(config),
                domain -> SenderChecks.selectorStates(keys.ring().get().active(new Domain(domain)).stream()
                        .map(keyCheck::check).toList()));
        return Optional.of(new SenderCheckRunner(checker, () -> List.copyOf(config.signing().domains().keySet()),
                config.senderChecks().every()));
    }

    /** The longest signing domain that is {@code hostname} or a parent of it: relay.cast.works belongs to cast.works. */
    static Optional<String> ownDomain(String hostname, java.util.Collection<String> signingDomains) {
        String host = hostname.toLowerCase(java.util.Locale.ROOT);
        return signingDomains.stream().filter(d -> host.equals(d) || host.endsWith("." + d))
                .max(java.util.Comparator.comparingInt(String::length));
    }

    /** Reports the relay writes itself, from and signed by its own domain when it has one. */
    static DsnBuilder dsnBuilder(RelayConfig config, SigningPolicy policy, Clock clock) {
        Optional<String> own = config.bounce().signAs().or(() -> ownDomain(config.hostname(),
                config.signing().domains().keySet()));
        if (own.isEmpty()) {
            if (config.delivery().mode() != works.cast.relay.server.config.DeliveryConfig.Mode.DIRECTORY) {
                log.warn("bounces go out unsigned from MAILER-DAEMON@{}: relay.hostname is in none of the signing domains "
                        + "(set relay.bounce.sign-as so that they pass DMARC)", config.hostname());
            }
            return new DsnBuilder(config.hostname(), clock);
        }
        return new DsnBuilder(config.hostname(), clock, own.get(),
                new OriginatedMailSigner(policy, new Domain(own.get()), clock));
    }

    /** {@code signing.rotation}, with key checks through {@code relay.dns.servers}. */
    static KeyStoreWatcher.Options watcherOptions(RelayConfig c) {
        RotationConfig r = c.signing().rotation();
        Optional<KeyCheck> check = r.autoActivate()
                ? Optional.of(new KeyCheck(new DnsTxtResolver(DnsClient.of(c.dns())))) : Optional.empty();
        return new KeyStoreWatcher.Options(check, r.checkInterval(), r.maxAge());
    }

    static SigningPolicy policy(SigningConfig s, KeyStoreWatcher keys) {
        List<DomainPolicy> domains = new ArrayList<>();
        s.domains().values().forEach(d -> domains.add(new DomainPolicy(new Domain(d.domain()), d.selectors())));
        String[] c = s.canonicalization().split("/", -1);
        Canonicalization hc = Canonicalization.parse(c[0]);
        Canonicalization bc = c.length > 1 ? Canonicalization.parse(c[1]) : Canonicalization.SIMPLE;
        Set<String> oversign = new HashSet<>(s.oversign());
        return new SigningPolicy(domains, s.subdomains(),
                s.unknownDomain() == SigningConfig.UnknownDomain.PASS ? SigningPolicy.UnknownDomain.PASS
                        : SigningPolicy.UnknownDomain.REJECT,
                hc, bc, s.headers(), oversign, s.expireAfter(), keys.ring());
    }

    /** Fails fast, naming the directory, when the relay cannot create or write it. */
    static void requireWritable(String what, java.nio.file.Path dir) throws IOException {
        try {
            java.nio.file.Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IOException(what + " " + dir + " cannot be created: " + e.getMessage()
                    + " (create it, owned by the relay's user)", e);
        }
        Optional<String> problem = new DirectoryWritableCheck(what, dir).check();
        if (problem.isPresent()) {
            throw new IOException(problem.get() + " (it must be writable by the relay's user)");
        }
    }

    /** Sessions and TLS handshakes, counted. */
    static SessionEvents sessionEvents(RelayMetrics metrics) {
        return new SessionEvents() {
            @Override
            public void opened() {
                metrics.sessionOpened();
            }

            @Override
            public void closed() {
                metrics.sessionClosed();
            }

            @Override
            public void tls(String protocol, String cipher) {
                metrics.tlsSession(protocol, cipher);
            }
        };
    }

    /** Ready only when every configured domain can sign. */
    static Optional<String> activeKeyProblem(List<Domain> domains, KeyStoreWatcher keys) {
        for (Domain d : domains) {
            if (keys.ring().get().active(d).isEmpty()) {
                return Optional.of("key store: no active key for " + d);
            }
        }
        return Optional.empty();
    }

    /** The authenticator of a relay without a users file: AUTH is not offered. */
    enum NoUsers implements Authenticator {
        INSTANCE;

        @Override
        public CompletionStage<Optional<User>> authenticate(String username, String password) {
            return CompletableFuture.completedFuture(Optional.empty());
        }

        @Override
        public boolean hasUsers() {
            return false;
        }
    }
}
