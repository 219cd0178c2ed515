package works.cast.relay.server;

import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import works.cast.relay.core.dkim.canon.Canonicalization;
import works.cast.relay.core.dkim.canon.RelaxedBodyCanonicalizer;
import works.cast.relay.core.keys.CryptoProvider;
import works.cast.relay.core.keys.DnsTxtRecord;
import works.cast.relay.core.keys.KeyStore;
import works.cast.relay.core.keys.SelectorKey;
import works.cast.relay.core.mail.Domain;
import works.cast.relay.core.policy.DomainPolicy;
import works.cast.relay.core.policy.SigningPolicy;
import works.cast.relay.server.auth.FileAuthenticator;
import works.cast.relay.server.config.ConfigLoader;
import works.cast.relay.server.config.InvalidConfigException;
import works.cast.relay.server.config.RelayConfig;
import works.cast.relay.server.config.RotationConfig;
import works.cast.relay.server.config.SigningConfig;
import works.cast.relay.server.dns.DnsClient;
import works.cast.relay.server.dns.DnsTxtResolver;
import works.cast.relay.server.intake.IntakeListener;
import works.cast.relay.server.intake.IntakeMemory;
import works.cast.relay.server.intake.MessageCommitter;
import works.cast.relay.server.intake.MessageLog;
import works.cast.relay.server.bounce.DsnBuilder;
import works.cast.relay.server.intake.OriginatedMailSigner;
import works.cast.relay.server.sender.ClientSenderDns;
import works.cast.relay.server.sender.DomainChecker;
import works.cast.relay.server.sender.SenderCheckRunner;
import works.cast.relay.server.sender.SenderChecks;
import works.cast.relay.server.intake.SendingChecks;
import works.cast.relay.server.intake.SigningReceiver;
import works.cast.relay.server.intake.UnsubscribeCheck;
import works.cast.relay.server.limits.RateLimiter;
import works.cast.relay.server.limits.RateLimits;
import works.cast.relay.server.ops.ConsoleSources;
import works.cast.relay.server.ops.DirectoryWritableCheck;
import works.cast.relay.server.ops.LogFormat;
import works.cast.relay.server.ops.ManagementServer;
import works.cast.relay.server.ops.MetricsIntakeListener;
import works.cast.relay.server.ops.QueueGauges;
import works.cast.relay.server.ops.RelayMetrics;
import works.cast.relay.server.keys.KeyCheck;
import works.cast.relay.server.keys.KeyLifecycle;
import works.cast.relay.server.keys.KeyStoreWatcher;
import works.cast.relay.server.smtp.Authenticator;
import works.cast.relay.server.smtp.NetworkAcl;
import works.cast.relay.server.smtp.SessionEvents;
import works.cast.relay.server.smtp.SmtpServer;
import works.cast.relay.server.smtp.SmtpServerSettings;
import works.cast.relay.server.tls.TlsContexts;

/**
 * The running relay, wired by hand from its configuration: key store, signing policy, intake, delivery and the
 * SMTP listeners. {@code dkim-relay run} starts one; tests start them in-process on port 0.
 */
public final class Relay implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Relay.class);

    private volatile RelayConfig config;
    private final KeyStoreWatcher keys;
    private final Optional<FileAuthenticator> users;
    private final ExecutorService ioPool;
    private final SmtpServer smtp;
    private final DeliveryStack delivery;
    private final RelayMetrics metrics;
    private final Optional<ManagementServer> http;
    private final RateLimiter limiter;
    private final Optional<SenderCheckRunner> senderChecks;
    private final Optional<KeyLifecycle> lifecycle;

    private Relay(RelayConfig config, KeyStoreWatcher keys, Optional<FileAuthenticator> users, ExecutorService ioPool,
                  SmtpServer smtp, DeliveryStack delivery, RelayMetrics metrics, Optional<ManagementServer> http,
                  RateLimiter limiter, Optional<SenderCheckRunner> senderChecks, Optional<KeyLifecycle> lifecycle) {
        this.lifecycle = lifecycle;
        this.limiter = limiter;
        this.senderChecks = senderChecks;
        this.delivery = delivery;
        this.metrics = metrics;
        this.http = http;
        this.config = config;
        this.keys = keys;
        this.users = users;
        this.ioPool = ioPool;
        this.smtp = smtp;
    }

    /** Starts the relay; fails fast (an exception saying what is wrong) when it cannot serve. */
    public static Relay start(RelayConfig config, Clock clock) throws IOException {
        java.time.Instant started = clock.instant();
        TlsContexts.prepare(config.tls());
        KeyStore store = new KeyStore(config.keysDir());
        List<Domain> domains = config.signing().domains().keySet().stream().map(Domain::new).toList();
        if (config.signing().developmentKeys()) {
            for (SelectorKey k : store.ensureDevelopmentKeys(domains, clock)) {
                log.warn("created development key domain={} selector={} algorithm={}: publish {} TXT \"{}\" before "
                        + "mail leaves this machine", k.domain(), k.selector(), k.key().algorithm().tagValue(),
                        DnsTxtRecord.owner(k.selector(), k.domain().name()), DnsTxtRecord.value(k.key()));
            }
        }
        KeyStoreWatcher keys = new KeyStoreWatcher(store, clock, watcherOptions(config));
        keys.start();
        for (Domain d : domains) {
            if (keys.ring().get().active(d).isEmpty()) {
                log.error("domain {} has no active key: its mail is refused with 451 until one is activated "
                        + "(dkim-relay keys generate --domain {} --activate)", d, d);
            }
        }
        SigningPolicy policy = policy(config.signing(), keys);
        RelayMetrics metrics = new RelayMetrics(clock);
        metrics.knownDomains(config.signing().domains().keySet());
        metrics.registerKeyAges(keys::activeKeyAges);
        ExecutorService ioPool = Executors.newFixedThreadPool(Math.max(4, 2 * Runtime.getRuntime().availableProcessors()),
                named("relay-io"));
        DeliveryStack delivery;
        try {
            requireWritable("queue directory", config.queue().dir());
            if (config.delivery().mode() == works.cast.relay.server.config.DeliveryConfig.Mode.DIRECTORY) {
                requireWritable("outbox directory", config.delivery().directory());
            }
            delivery = DeliveryStack.create(config, clock, metrics, dsnBuilder(config, policy, clock), policy);
        } catch (IOException | RuntimeException e) {
            keys.close();
            ioPool.shutdownNow();
            throw e;
        }
        MessageCommitter committer = delivery.committer;
        IntakeListener listener = new MetricsIntakeListener(metrics, new MessageLog());
        QueueGauges queueGauges = new QueueGauges(config.queue().dir(), clock);
        metrics.registerQueue(queueGauges::size, queueGauges::oldestAgeSeconds);
        RateLimiter limiter = RateLimiter.create(config.rateLimits(), clock,
                match -> metrics.rateLimited(RateLimits.label(match)));
        metrics.registerRateUse(limiter::localUserUse);
        IntakeMemory intakeMemory = new IntakeMemory(config.limits().intakeMemory());
        metrics.registerIntakeMemory(intakeMemory::used, intakeMemory.limit(), intakeMemory::waits);
        SigningReceiver receiver = new SigningReceiver(ioPool, policy, committer, config.hostname(),
                config.limits().headerSize(), clock, listener, new SendingChecks(RateLimits.authorGate(limiter),
                        new UnsubscribeCheck(config.signing().requireUnsubscribe(),
                                p -> metrics.unsubscribeProblem(p.label())), config.limits().hopCount()),
                intakeMemory);
        Optional<FileAuthenticator> users = Optional.empty();
        if (config.access().usersFile().isPresent()) {
            users = Optional.of(new FileAuthenticator(config.access().usersFile().get(),
                    config.access().authFailureDelay()));
        }
        Authenticator auth = users.<Authenticator>map(u -> u).orElse(NoUsers.INSTANCE);
        SmtpServer smtp = new SmtpServer(settings(config), receiver, auth, sessionEvents(metrics),
                RateLimits.senderGate(limiter));
        Optional<ManagementServer> http = Optional.empty();
        Optional<SenderCheckRunner> senderChecks = senderChecks(config, keys);
        try {
            smtp.start();
            if (config.http().enabled()) {
                ManagementServer m = new ManagementServer(config.http(), metrics);
                http = Optional.of(m);
                m.console(consoleSources(config, keys, senderChecks, started));
                if (config.http().tokenFile().isPresent()) {
                    m.requireToken(config.http().tokenFile().get());
                }
                m.addCheck(() -> smtp.boundPorts().size() == config.smtp().listen().size() && !smtp.isStopped()
                        ? Optional.empty() : Optional.of("smtp listeners not bound"));
                m.addCheck(() -> activeKeyProblem(domains, keys));
                m.addCheck(DirectoryWritableCheck.queue(config.queue().dir()));
                m.start();
            }
        } catch (IOException | RuntimeException e) {
            smtp.stop(Duration.ZERO);
            http.ifPresent(ManagementServer::close);
            senderChecks.ifPresent(SenderCheckRunner::close);
            keys.close();
            users.ifPresent(FileAuthenticator::close);
            limiter.close();
            delivery.close();
            ioPool.shutdownNow();
            throw e;
        }
        senderChecks.ifPresent(r -> {
            metrics.registerDomainChecks(() -> {
                Map<String, Map<String, Integer>> g = new java.util.LinkedHashMap<>();
                r.reports().forEach((d, report) -> g.put(d, report.gauges()));
                return g;
            });
            r.start();
        });
        log.info("relay started hostname={} smtp={} delivery={} keys={} body-scan={} rsa={}", config.hostname(),
                smtp.boundAddresses(), config.delivery().mode().name().toLowerCase(java.util.Locale.ROOT),
                config.keysDir(), RelaxedBodyCanonicalizer.vectorScan() ? "vector" : "portable",
                CryptoProvider.describe());
        Optional<KeyLifecycle> lifecycle = KeyLifecycle.forRelay(config, store, clock, keys::reload,
                metrics::keyLifecycleFailure);
        lifecycle.ifPresent(KeyLifecycle::start);
        return new Relay(config, keys, users, ioPool, smtp, delivery, metrics, http, limiter, senderChecks, lifecycle);
    }



    /** What the operator console shows, read at each request. */
    private static ConsoleSources consoleSources(RelayConfig config, KeyStoreWatcher keys,
                                                 Optional<SenderCheckRunner> senderChecks, java.time.Instant started) {
        String version = Optional.ofNullable(Relay.class.getPackage().getImplementationVersion()).orElse("development");
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
    private static Optional<SenderCheckRunner> senderChecks(RelayConfig config, KeyStoreWatcher keys) {
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
    private static DsnBuilder dsnBuilder(RelayConfig config, SigningPolicy policy, Clock clock) {
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

    public static SmtpServerSettings settings(RelayConfig c) throws IOException {
        List<SmtpServerSettings.Listener> listeners = c.smtp().listen().stream()
                .map(l -> new SmtpServerSettings.Listener(l.address(), l.port(),
                        SmtpServerSettings.TlsMode.valueOf(l.tls().name())))
                .toList();
        Optional<SslContext> ssl = c.tls().configured() ? Optional.of(TlsContexts.server(c.tls())) : Optional.empty();
        var limits = new SmtpServerSettings.Limits(c.limits().messageSize(), c.limits().recipients(),
                c.limits().connections(), c.limits().connectionsPerIp(), c.limits().commandTimeout(),
                c.limits().dataTimeout(), c.limits().maxErrors(), c.access().authFailureDelay(),
                c.access().authFailures(), c.access().authFailureWindow(), c.limits().junkCommands(),
                c.limits().proxyHeaderTimeout());
        return new SmtpServerSettings(c.hostname(), listeners, ssl, c.smtp().proxyProtocol(),
                new NetworkAcl(c.access().networks()), c.access().requireTlsForAuth(), limits,
                SmtpServerSettings.BareLfMode.valueOf(c.smtp().bareLf().name()),
                new NetworkAcl(c.smtp().trustedProxies()));
    }

    /** Fails fast, naming the directory, when the relay cannot create or write it. */
    private static void requireWritable(String what, java.nio.file.Path dir) throws IOException {
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
    private static SessionEvents sessionEvents(RelayMetrics metrics) {
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
    private static Optional<String> activeKeyProblem(List<Domain> domains, KeyStoreWatcher keys) {
        for (Domain d : domains) {
            if (keys.ring().get().active(d).isEmpty()) {
                return Optional.of("key store: no active key for " + d);
            }
        }
        return Optional.empty();
    }

    /** The management endpoint's port, when it runs. */
    public Optional<Integer> httpPort() {
        return http.map(ManagementServer::boundPort);
    }

    public RelayMetrics metrics() {
        return metrics;
    }

    /** The SMTP ports actually bound, in listener order (useful with port 0). */
    public List<Integer> smtpPorts() {
        return smtp.boundPorts();
    }

    public RelayConfig config() {
        return config;
    }

    /**
     * SIGHUP: reload the key store, the users file, and what the config file may change live (access networks, TLS
     * certificate and key); every other change in the file is named in the log as needing a restart.
     */
    public synchronized void reload() {
        LogFormat.reload(config.logging());
        boolean ok = keys.reload();
        log.info("reload keys={}", ok ? "ok" : "refused (previous keys stay in use)");
        users.ifPresent(u -> {
            try {
                u.reload();
                log.info("reload users=ok");
            } catch (IOException e) {
                log.error("reload users refused (previous users stay): {}", e.getMessage());
            }
        });
        RelayConfig fresh;
        try {
            fresh = config.source().isPresent() ? ConfigLoader.read(config.source(), true) : config;
        } catch (InvalidConfigException e) {
            log.error("reload config refused (running config stays): {}", e.getMessage().replace('\n', ';'));
            return;
        }
        List<String> changed = new ArrayList<>();
        if (!fresh.access().networks().equals(config.access().networks())) {
            changed.add("access.networks");
        }
        Optional<SslContext> ssl = smtp.sslContext();
        try {
            if (fresh.tls().configured()) {
                ssl = Optional.of(TlsContexts.server(fresh.tls()));
                changed.add("tls (certificate and key read again)");
            }
        } catch (IOException | RuntimeException e) {
            log.error("reload tls refused (current certificate stays): {}", e.getMessage());
        }
        smtp.update(new NetworkAcl(fresh.access().networks()), ssl);
        if (!fresh.signing().rotation().equals(config.signing().rotation()) || !fresh.dns().equals(config.dns())) {
            changed.add("signing.rotation and dns for key checks");
        }
        keys.update(watcherOptions(fresh));
        lifecycle.ifPresent(l -> l.reload(config, fresh));
        List<String> restart = ConfigDiff.needingRestart(config, fresh);
        log.info("reload config applied={} needs-restart={}", changed, restart.isEmpty() ? "none" : restart);
        config = new RelayConfig(config.source(), config.hostname(), config.smtp(), fresh.tls(), fresh.access(),
                config.keysDir(), ConfigDiff.withRotation(config.signing(), fresh.signing().rotation()),
                config.delivery(), config.queue(), config.limits(), config.http(), config.logging(),
                config.rateLimits(), config.bounce(), fresh.dns(), config.senderChecks());
    }

    /** Stops accepting, lets sessions finish within {@code drain}, and waits for pending commits. */
    public void stop(Duration drain) {
        smtp.stop(drain);
        http.ifPresent(ManagementServer::close);
        ioPool.shutdown();
        try {
            if (!ioPool.awaitTermination(drain.toMillis() + 5000, TimeUnit.MILLISECONDS)) {
                log.warn("stop: I/O tasks still running after the drain timeout");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        delivery.close();
        keys.close();
        users.ifPresent(FileAuthenticator::close);
        limiter.close();
        senderChecks.ifPresent(SenderCheckRunner::close);
        lifecycle.ifPresent(KeyLifecycle::close);
        metrics.close();
        log.info("relay stopped");
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(10));
    }

    static ThreadFactory named(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
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
