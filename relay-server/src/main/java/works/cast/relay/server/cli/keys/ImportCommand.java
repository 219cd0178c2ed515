package works.cast.relay.server.cli.keys;

import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import works.cast.relay.core.keys.SelectorKey;

/** {@code keys import}: adopts an existing key, for example {@code opendkim-genkey} output, as a pending selector. */
@Command(name = "import", mixinStandardHelpOptions = true,
        description = "Import an existing private key (PEM, e.g. from opendkim-genkey) as a pending selector.")
public final class ImportCommand extends KeysSubcommand {

    @Option(names = "--domain", required = true, paramLabel = "D", description = "signing domain")
    String domain;

    @Option(names = "--selector", required = true, paramLabel = "S", description = "selector")
    String selector;

    @Option(names = "--private", required = true, paramLabel = "FILE", description = "PEM private key")
    Path privateFile;

    @Option(names = "--txt", paramLabel = "FILE", description = "its DNS record (.txt); must match the key")
    Path txtFile;

    @Override
    int run() {
        SelectorKey k = store().importKey(domain(domain), selector, privateFile, Optional.ofNullable(txtFile), clock);
        if (json()) {
            printJson(recordView(k));
        } else {
            out().printf("imported %s selector %s for %s (pending)%n", k.key(), k.selector(), k.domain());
            out().println(zoneToPublish(k));
            out().printf("then: dkim-relay keys check --domain %s; dkim-relay keys activate --domain %s --selector %s%n",
                    k.domain(), k.domain(), k.selector());
            out().flush();
        }
        return 0;
    }
}
