package works.cast.relay.server;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import works.cast.relay.core.dkim.canon.RelaxedBodyCanonicalizer;
import works.cast.relay.core.keys.CryptoProvider;
import works.cast.relay.core.keys.DnsTxtRecord;
import works.cast.relay.core.keys.KeyStore;
import works.cast.relay.core.keys.SelectorKey;
import works.cast.relay.core.mail.Domain;
import works.cast.relay.core.policy.SigningPolicy;
import works.cast.relay.server.auth.FileAuthenticator;
import works.cast.relay.server.config.ConfigLoader;
import works.cast.relay.server.config.DeliveryConfig;
import works.cast.relay.server.config.InvalidConfigException;
import works.cast.relay.server.config.RelayConfig;
import works.cast.relay.server.intake.IntakeListener;
import works.cast.relay.server.intake.IntakeMemory;
import works.cast.relay.server.intake.MessageLog;
import works.cast.relay.server.intake.SendingChecks;
import works.cast.relay.server.intake.SigningReceiver;
import works.cast.relay.server.intake.UnsubscribeCheck;
import works.cast.relay.server.keys.KeyLifecycle;
import works.cast.relay.server.keys.KeyStoreWatcher;
import works.cast.relay.server.limits.RateLimiter;
import works.cast.relay.server.limits.RateLimits;
import works.cast.relay.server.ops.DirectoryWritableCheck;
import works.cast.relay.server.ops.LogFormat;
import works.cast.relay.server.ops.ManagementServer;
import works.cast.relay.server.ops.MetricsIntakeListener;
import works.cast.relay.server.ops.QueueGauges;
import works.cast.relay.server.ops.RelayMetrics;
import works.cast.relay.server.sender.SenderCheckRunner;
import works.cast.relay.server.smtp.Authenticator;
import works.cast.relay.server.smtp.NetworkAcl;
import works.cast.relay.server.smtp.SmtpServer;
import works.cast.relay.server.smtp.SmtpServerSettings;
import works.cast.relay.server.tls.TlsContexts;

/**
 * The running relay, wired by hand from its configuration: key store, signing policy, intake, delivery and the
 * SMTP listeners. {@code dkim-relay run} starts one; tests start them in-process on port 0.
 *
 * <p>Each part is registered in a {@link Lifecycle} as soon as it has started; when a later part cannot start, what
 * started is closed in reverse order, and {@link #stop} closes everything in reverse order too. The registration
 * order is therefore the shutdown order read backwards: the SMTP listeners drain first, then the management
 * endpoint, then the intake's pending commits, then delivery and the queue, and the key store last.
 */
public final class Relay implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Relay.class);

    /** Threads of the event loops shared by outbound SMTP (delivery) and the management HTTP endpoint. */
    static final int OUTBOUND_LOOP_THREADS = 2;

    private volatile RelayConfig config;
    private final KeyStoreWatcher keys;
    private final Optional<FileAuthenticator> users;
    private final SmtpServer smtp;
    private final RelayMetrics metrics;
    private final Optional<ManagementServer> http;
    private final Optional<KeyLifecycle> keyLifecycle;
    private final Lifecycle parts;

    private Relay(RelayConfig config, KeyStoreWatcher keys, Optional<FileAuthenticator> users, SmtpServer smtp,
                  RelayMetrics metrics, Optional<ManagementServer> http, Optional<KeyLifecycle> keyLifecycle,
                  Lifecycle parts) {
        this.config = config;
        this.keys = keys;
        this.users = users;
        this.smtp = smtp;
        this.metrics = metrics;
        this.http = http;
        this.keyLifecycle = keyLifecycle;
        this.parts = parts;
    }

    /**
     * Starts the relay; fails fast (an exception saying what is wrong) when it cannot serve, after closing whatever
     * it had started.
     */
    public static Relay start(RelayConfig config, Clock clock) throws IOException {
        Lifecycle parts = new Lifecycle();
        try {
            return start(config, clock, parts);
        } catch (IOException | RuntimeException e) {
            parts.stop(Duration.ZERO);
            throw e;
        }
    }

    private static Relay start(RelayConfig config, Clock clock, Lifecycle parts) throws IOException {
        Instant started = clock.instant();
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
        KeyStoreWatcher keys = new KeyStoreWatcher(store, clock, RelayWiring.watcherOptions(config));
        keys.start();
        parts.add("key store", keys);
        for (Domain d : domains) {
            if (keys.ring().get().active(d).isEmpty()) {
                log.error("domain {} has no active key: its mail is refused with 451 until one is activated "
                        + "(dkim-relay keys generate --domain {} --activate)", d, d);
            }
        }
        SigningPolicy policy = RelayWiring.policy(config.signing(), keys);
        RelayMetrics metrics = parts.add("metrics", new RelayMetrics(clock));
        metrics.knownDomains(config.signing().domains().keySet());
        metrics.registerKeyAges(keys::activeKeyAges);
        // One group for every connection the relay opens or serves besides SMTP: idle until first used.
        EventLoopGroup loops = new MultiThreadIoEventLoopGroup(OUTBOUND_LOOP_THREADS,
                new DefaultThreadFactory("outbound-smtp-and-http", true), NioIoHandler.newFactory());
        parts.onStop("outbound event loops", drain -> loops.shutdownGracefully(0, 2, TimeUnit.SECONDS)
                .awaitUninterruptibly(5, TimeUnit.SECONDS));
        // Closed after the intake's I/O pool has drained: its author check may still ask.
        RateLimiter limiter = parts.add("rate limits", RateLimiter.create(config.rateLimits(), clock,
                match -> metrics.rateLimited(RateLimits.label(match))));
        metrics.registerRateUse(limiter::localUserUse);
        RelayWiring.requireWritable("queue directory", config.queue().dir());
        if (config.delivery().mode() == DeliveryConfig.Mode.DIRECTORY) {
            RelayWiring.requireWritable("outbox directory", config.delivery().directory());
        }
        DeliveryStack delivery = parts.add("delivery", DeliveryStack.create(config, clock, metrics,
                RelayWiring.dsnBuilder(config, policy, clock), policy, loops));
        // Each of these threads waits for its message file's fsync; with two per core the cores sat idle during
        // those waits at 50 concurrent clients (bench/compare.sh: 8 threads on 2 cores, +10 % at concurrency 50).
        ExecutorService ioPool = Executors.newFixedThreadPool(
                Math.max(8, 4 * Runtime.getRuntime().availableProcessors()),
                new DefaultThreadFactory("intake-spool-sign-commit", true));
        parts.onStop("intake I/O", drain -> awaitPendingCommits(ioPool, drain));
        IntakeListener listener = new MetricsIntakeListener(metrics, new MessageLog());
        QueueGauges queueGauges = new QueueGauges(config.queue().dir(), clock);
        metrics.registerQueue(queueGauges::size, queueGauges::oldestAgeSeconds);
        IntakeMemory intakeMemory = new IntakeMemory(config.limits().intakeMemory());
        metrics.registerIntakeMemory(intakeMemory::used, intakeMemory.limit(), intakeMemory::waits);
        SigningReceiver receiver = new SigningReceiver(ioPool, policy, delivery.committer, config.hostname(),
                config.limits().headerSize(), clock, listener, new SendingChecks(RateLimits.authorGate(limiter),
                        new UnsubscribeCheck(config.signing().requireUnsubscribe(),
                                p -> metrics.unsubscribeProblem(p.label())), config.limits().hopCount()),
                intakeMemory);
        Optional<FileAuthenticator> users = Optional.empty();
        if (config.access().usersFile().isPresent()) {
            users = Optional.of(parts.add("users file", new FileAuthenticator(config.access().usersFile().get(),
                    config.access().authFailureDelay())));
        }
        Authenticator auth = users.<Authenticator>map(u -> u).orElse(RelayWiring.NoUsers.INSTANCE);
        SmtpServer smtp = new SmtpServer(settings(config), receiver, auth, RelayWiring.sessionEvents(metrics),
                RateLimits.senderGate(limiter));
        Optional<SenderCheckRunner> senderChecks = RelayWiring.senderChecks(config, keys);
        Optional<ManagementServer> http = Optional.empty();
        if (config.http().enabled()) {
            // Registered before the SMTP listeners so that it closes after them: /readyz answers while they drain.
            ManagementServer m = parts.add("management http", new ManagementServer(config.http(), metrics, loops));
            http = Optional.of(m);
            m.console(RelayWiring.consoleSources(config, keys, senderChecks, started));
            if (config.http().tokenFile().isPresent()) {
                m.requireToken(config.http().tokenFile().get());
            }
            m.addCheck(() -> smtp.boundPorts().size() == config.smtp().listen().size() && !smtp.isStopped()
                    ? Optional.empty() : Optional.of("smtp listeners not bound"));
            m.addCheck(() -> RelayWiring.activeKeyProblem(domains, keys));
            m.addCheck(DirectoryWritableCheck.queue(config.queue().dir()));
        }
        smtp.start();
        parts.onStop("smtp listeners", smtp::stop);
        if (http.isPresent()) {
            http.get().start();
        }
        senderChecks.ifPresent(r -> {
            metrics.registerDomainChecks(() -> {
                Map<String, Map<String, Integer>> g = new java.util.LinkedHashMap<>();
                r.reports().forEach((d, report) -> g.put(d, report.gauges()));
                return g;
            });
            r.start();
            parts.add("sender checks", r);
        });
        log.info("relay started hostname={} smtp={} delivery={} keys={} body-scan={} rsa={}", config.hostname(),
                smtp.boundAddresses(), config.delivery().mode().name().toLowerCase(java.util.Locale.ROOT),
                config.keysDir(), RelaxedBodyCanonicalizer.vectorScan() ? "vector" : "portable",
                CryptoProvider.describe());
        Optional<KeyLifecycle> keyLifecycle = KeyLifecycle.forRelay(config, store, clock, keys::reload,
                metrics::keyLifecycleFailure);
        keyLifecycle.ifPresent(l -> {
            l.start();
            parts.add("key lifecycle", l);
        });
        return new Relay(config, keys, users, smtp, metrics, http, keyLifecycle, parts);
    }

    /** Lets the intake's pending spool writes, signatures and commits finish before delivery and the queue close. */
    private static void awaitPendingCommits(ExecutorService ioPool, Duration drain) throws InterruptedException {
        ioPool.shutdown();
        if (!ioPool.awaitTermination(drain.toMillis() + 5000, TimeUnit.MILLISECONDS)) {
            log.warn("stop: I/O tasks still running after the drain timeout");
        }
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
        keys.update(RelayWiring.watcherOptions(fresh));
        keyLifecycle.ifPresent(l -> l.reload(config, fresh));
        List<String> restart = ConfigDiff.needingRestart(config, fresh);
        log.info("reload config applied={} needs-restart={}", changed, restart.isEmpty() ? "none" : restart);
        config = new RelayConfig(config.source(), config.hostname(), config.smtp(), fresh.tls(), fresh.access(),
                config.keysDir(), ConfigDiff.withRotation(config.signing(), fresh.signing().rotation()),
                config.delivery(), config.queue(), config.limits(), config.http(), config.logging(),
                config.rateLimits(), config.bounce(), fresh.dns(), config.senderChecks());
    }

    /** Stops accepting, lets sessions finish within {@code drain}, and waits for pending commits. */
    public void stop(Duration drain) {
        parts.stop(drain);
        log.info("relay stopped");
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(10));
    }
}
