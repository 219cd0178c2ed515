package works.cast.relay.server.cli.queue;

import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;
import works.cast.relay.server.cli.CliException;
import works.cast.relay.server.config.ConfigLoader;
import works.cast.relay.server.config.InvalidConfigException;
import works.cast.relay.server.queue.QueueControl;
import works.cast.relay.server.message.QueueId;

/** The options every {@code queue} subcommand shares: which queue directory, and JSON output. */
public final class QueueOptions {

    @Option(names = "--queue-dir", paramLabel = "DIR", description = "The queue directory (default: relay.queue.dir of the config).")
    Path queueDir;

    @Option(names = "--config", paramLabel = "FILE", description = "The relay config (default: $DKIM_RELAY_CONFIG, else conf/relay.conf).")
    Path config;

    @Option(names = "--json", description = "Print JSON instead of text.")
    boolean json;

    /** The queue directory: {@code --queue-dir}, else the config's {@code relay.queue.dir}. */
    Path directory() {
        if (queueDir != null) {
            return queueDir;
        }
        try {
            return ConfigLoader.parse(Optional.ofNullable(config)).queue().dir();
        } catch (InvalidConfigException e) {
            throw new CliException(e.getMessage());
        }
    }

    QueueControl control() {
        return new QueueControl(directory());
    }

    static QueueId id(String text) {
        if (!QueueId.isValid(text)) {
            throw new CliException("'" + text + "' is not a queue id (16 characters such as 01JD3M8Q2W6XK9ZT)");
        }
        return new QueueId(text);
    }
}
