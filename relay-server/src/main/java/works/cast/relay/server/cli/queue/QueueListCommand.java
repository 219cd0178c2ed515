package works.cast.relay.server.cli.queue;

import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import java.util.Optional;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import works.cast.relay.server.cli.CliException;
import works.cast.relay.server.queue.QueueControl;
import works.cast.relay.server.message.QueueEntry;

/** {@code dkim-relay queue list}: every queued message with its recipients' state. */
@Command(name = "list", mixinStandardHelpOptions = true, description = "List queued messages.")
public final class QueueListCommand implements Callable<Integer> {

    @Mixin
    QueueOptions options;

    @Option(names = "--limit", paramLabel = "N", description = "List at most N messages (default: all).")
    Integer limit;

    @Option(names = "--after", paramLabel = "ID", description = "Start after this queue id (the next page).")
    String after;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        return QueueAction.run(options, (control, dir) -> {
            if (limit != null && limit < 1) {
                throw new CliException("--limit must be at least 1");
            }
            QueueControl.Page page = control.list(Optional.ofNullable(after).map(QueueOptions::id),
                    limit == null ? Integer.MAX_VALUE : limit);
            List<QueueEntry> entries = page.entries();
            Instant now = Instant.now();
            PrintWriter out = spec.commandLine().getOut();
            if (options.json) {
                out.println(QueueFormat.json(entries, now));
            } else {
                entries.forEach(e -> out.print(QueueFormat.summary(e, now)));
                if (limit == null && after == null) {
                    out.println(entries.size() == 1 ? "1 message" : entries.size() + " messages");
                } else {
                    out.println(entries.size() + " of " + page.total() + " messages");
                }
                page.next().ifPresent(n -> out.println("more: queue list --limit " + limit + " --after " + n));
            }
            out.flush();
            return 0;
        });
    }
}
