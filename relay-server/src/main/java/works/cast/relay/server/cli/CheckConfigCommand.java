package works.cast.relay.server.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import works.cast.relay.core.keys.KeyException;
import works.cast.relay.core.keys.KeyRing;
import works.cast.relay.core.keys.KeyStore;
import works.cast.relay.core.keys.KeyStoreException;
import works.cast.relay.core.mail.Domain;
import works.cast.relay.server.Relay;
import works.cast.relay.server.config.ConfigLoader;
import works.cast.relay.server.config.InvalidConfigException;
import works.cast.relay.server.config.RelayConfig;

/**
 * {@code dkim-relay check-config}: the validation {@code run} does at startup (config with file and line, key store,
 * permissions, TLS files), without starting anything. Exit 0 when the relay would start, else 2 with reasons.
 */
@Command(name = "check-config", mixinStandardHelpOptions = true,
        description = "Validate the config, keys and permissions; exit 2 with one line per problem.")
public final class CheckConfigCommand implements Callable<Integer> {

    @Option(names = "--config", description = "Config file (default: $DKIM_RELAY_CONFIG, else conf/relay.conf).")
    Path config;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        RelayConfig cfg;
        try {
            cfg = ConfigLoader.load(Optional.ofNullable(config));
        } catch (InvalidConfigException e) {
            err.println(e.getMessage());
            err.flush();
            return 2;
        }
        List<String> problems = new ArrayList<>();
        KeyRing ring = KeyRing.empty();
        try {
            ring = new KeyStore(cfg.keysDir()).load();
        } catch (KeyStoreException e) {
            problems.addAll(e.problems());
        } catch (KeyException e) {
            problems.add(e.getMessage());
        }
        for (String d : cfg.signing().domains().keySet()) {
            if (ring.active(new Domain(d)).isEmpty() && !cfg.signing().developmentKeys()) {
                problems.add(cfg.keysDir() + "/" + d + ": no active key; mail from " + d
                        + " would be refused (dkim-relay keys generate --domain " + d + " --activate)");
            }
        }
        java.util.Set<Path> secrets = new java.util.HashSet<>();
        for (String d : cfg.signing().domains().keySet()) {
            cfg.signing().dnsUpdateFor(d).filter(u -> secrets.add(u.secretFile())).ifPresent(u -> {
                try {
                    works.cast.relay.server.keys.TsigSecret.read(u.secretFile());
                } catch (works.cast.relay.server.keys.DnsUpdateException e) {
                    problems.add("dns-update of " + d + ": " + e.getMessage());
                }
            });
        }
        try {
            Relay.settings(cfg);
        } catch (Exception e) {
            problems.add(e.getMessage());
        }
        var mx = cfg.delivery().mx().security();
        if (cfg.delivery().mode() == works.cast.relay.server.config.DeliveryConfig.Mode.MX) {
            if (mx.trustStore().isPresent()) {
                try {
                    works.cast.relay.server.delivery.tls.PeerTrust.of(mx.trustStore());
                } catch (java.io.IOException e) {
                    problems.add("relay.delivery.mx.trust-store: " + e.getMessage());
                }
            }
            if (mx.dane()) {
                works.cast.relay.server.delivery.tls.ResolverCheck.daneWarning(
                        works.cast.relay.server.dns.DnsClient.of(cfg.dns())).join()
                        .ifPresent(w -> err.println("warning: " + w));
            }
        }
        if (!problems.isEmpty()) {
            problems.forEach(err::println);
            err.flush();
            return 2;
        }
        out.println("config " + cfg.source().map(Path::toString).orElse("(defaults)") + ": ok; keys "
                + cfg.keysDir() + ": " + ring.all().size() + " selectors");
        out.flush();
        return 0;
    }
}
