package works.cast.relay.server.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import works.cast.relay.server.cli.queue.QueueDeleteCommand;
import works.cast.relay.server.cli.queue.QueueListCommand;
import works.cast.relay.server.cli.queue.QueueRetryCommand;
import works.cast.relay.server.cli.queue.QueueShowCommand;

/**
 * {@code dkim-relay queue list|show|retry|delete}: inspects and steers the durable queue (RFC 5321 section 4.5.4),
 * on a stopped relay directly and on a running one through requests it picks up within seconds.
 *
 * <pre>
 * $ dkim-relay queue list --queue-dir var/queue
 * 01JD3M8Q2W6XK9ZT  age=2h13m  from=&lt;billing@cast.works&gt;  size=5120  attempts=3  next=2026-11-28T05:00:00Z
 *     a@example.net  pending  attempts=3  last="451 4.4.1 Connection timed out"
 * 1 message
 * </pre>
 */
@Command(name = "queue", mixinStandardHelpOptions = true, description = "List, show, retry or delete queued messages.",
        subcommands = {QueueListCommand.class, QueueShowCommand.class, QueueRetryCommand.class,
                QueueDeleteCommand.class})
public final class QueueCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return 2;
    }
}
