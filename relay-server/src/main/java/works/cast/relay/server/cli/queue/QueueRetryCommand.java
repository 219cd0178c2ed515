package works.cast.relay.server.cli.queue;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import works.cast.relay.server.cli.CliException;

/** {@code dkim-relay queue retry ID|--all}: makes messages due now. */
@Command(name = "retry", mixinStandardHelpOptions = true,
        description = "Try a message (or every message) again now.")
public final class QueueRetryCommand implements Callable<Integer> {

    @Mixin
    QueueOptions options;

    @Parameters(paramLabel = "ID", arity = "0..1", description = "The queue id.")
    String id;

    @Option(names = "--all", description = "Every queued message.")
    boolean all;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (all == (id != null)) {
            throw new CliException("give either a queue id or --all");
        }
        return QueueAction.run(options, (control, dir) -> all
                ? QueueAction.report(spec.commandLine().getOut(), options, "retry", "all", control.retryAll())
                : QueueAction.report(spec.commandLine().getOut(), options, "retry", id,
                        control.retry(QueueOptions.id(id))));
    }
}
