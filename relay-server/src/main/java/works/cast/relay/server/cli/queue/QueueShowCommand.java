package works.cast.relay.server.cli.queue;

import java.io.PrintWriter;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import works.cast.relay.server.cli.CliException;
import works.cast.relay.server.message.QueueEntry;

/** {@code dkim-relay queue show ID}: one message's envelope and per-recipient state. */
@Command(name = "show", mixinStandardHelpOptions = true, description = "Show one queued message.")
public final class QueueShowCommand implements Callable<Integer> {

    @Mixin
    QueueOptions options;

    @Parameters(paramLabel = "ID", description = "The queue id.")
    String id;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        return QueueAction.run(options, (control, dir) -> {
            QueueEntry e = control.show(QueueOptions.id(id))
                    .orElseThrow(() -> new CliException("no message " + id + " in the queue"));
            PrintWriter out = spec.commandLine().getOut();
            out.print(options.json ? QueueFormat.json(e, Instant.now()) + "\n" : QueueFormat.details(e, Instant.now()));
            out.flush();
            return 0;
        });
    }
}
