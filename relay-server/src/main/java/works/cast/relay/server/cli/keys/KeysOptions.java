package works.cast.relay.server.cli.keys;

import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/** The options every {@code keys} subcommand takes: where the store is and the output format. */
public final class KeysOptions {

    @Option(names = "--config", paramLabel = "FILE", description = "relay config to read relay.keys-dir from")
    Path config;

    @Option(names = "--keys-dir", paramLabel = "DIR", description = "key store directory (overrides the config)")
    Path keysDir;

    @Option(names = "--json", description = "print JSON instead of text")
    boolean json;

    Path keysDir() {
        return KeysDirLocator.locate(Optional.ofNullable(config), Optional.ofNullable(keysDir));
    }
}
