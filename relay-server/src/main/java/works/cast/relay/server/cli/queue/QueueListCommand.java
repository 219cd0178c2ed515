package works.cast.relay.server.cli.queue;

import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import works.cast.relay.server.queue.QueueEntry;

/** {@code dkim-relay queue list}: every queued message with its recipients' state. */
@Command(name = "list", mixinStandardHelpOptions = true, description = "List queued messages.")
public final class QueueListCommand implements Callable<Integer> {

    @Mixin
    QueueOptions options;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        return QueueAction.run(options, (control, dir) -> {
            List<QueueEntry> entries = control.list();
            Instant now = Instant.now();
            PrintWriter out = spec.commandLine().getOut();
            if (options.json) {
                out.println(QueueFormat.json(entries, now));
            } else {
                entries.forEach(e -> out.print(QueueFormat.summary(e, now)));
                out.println(entries.size() == 1 ? "1 message" : entries.size() + " messages");
            }
            out.flush();
            return 0;
        });
    }
}
