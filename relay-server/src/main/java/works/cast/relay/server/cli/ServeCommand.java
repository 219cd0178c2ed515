package works.cast.relay.server.cli;

import io.netty.util.concurrent.DefaultThreadFactory;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;
import works.cast.relay.core.keys.KeyStoreException;
import works.cast.relay.server.Relay;
import works.cast.relay.server.config.ConfigLoader;
import works.cast.relay.server.config.InvalidConfigException;
import works.cast.relay.server.config.RelayConfig;
import works.cast.relay.server.ops.LogFormat;

/**
 * {@code dkim-relay run}: starts the relay in the foreground, logging to stdout. SIGHUP reloads the key store and the
 * users file; SIGTERM (or Ctrl-C) stops accepting, lets sessions finish and exits 0.
 */
@Command(name = "run", mixinStandardHelpOptions = true, description = "Start the relay (foreground, logs to stdout).")
public final class ServeCommand implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(ServeCommand.class);

    @Option(names = "--config", description = "Config file (default: $DKIM_RELAY_CONFIG, else conf/relay.conf).")
    Path config;

    @Option(names = "--drain-timeout", defaultValue = "30s",
            description = "How long sessions may take to finish at shutdown (default: ${DEFAULT-VALUE}).")
    String drainTimeout;

    @Override
    public Integer call() throws Exception {
        RelayConfig cfg;
        try {
            cfg = ConfigLoader.load(Optional.ofNullable(config));
        } catch (InvalidConfigException e) {
            System.err.println(e.getMessage());
            return 2;
        }
        LogFormat.apply(cfg.logging());
        Duration drain = Duration.parse("PT" + drainTimeout.toUpperCase(java.util.Locale.ROOT));
        Relay relay;
        try {
            relay = Relay.start(cfg, Clock.systemUTC());
        } catch (KeyStoreException e) {
            e.problems().forEach(System.err::println); // one line per problem, with the path and the fix
            return 2;
        } catch (RuntimeException e) {
            System.err.println("dkim-relay run: " + e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        AtomicBoolean stopping = new AtomicBoolean();
        Runnable stop = () -> {
            if (stopping.compareAndSet(false, true)) {
                log.info("shutting down drain={}", drain);
                relay.stop(drain);
                stopped.countDown();
            }
        };
        // TERM and INT stop the relay in order and exit 0 (the JVM's default would exit 143 after the hooks).
        DefaultThreadFactory shutdown = new DefaultThreadFactory("relay-shutdown");
        Signal.handle(new Signal("TERM"), s -> shutdown.newThread(stop).start());
        Signal.handle(new Signal("INT"), s -> shutdown.newThread(stop).start());
        Signal.handle(new Signal("HUP"), s -> relay.reload());
        Runtime.getRuntime().addShutdownHook(new DefaultThreadFactory("relay-shutdown-hook").newThread(stop));
        stopped.await();
        return 0;
    }
}
