package works.cast.relay.server.cli.queue;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code dkim-relay queue delete ID}: removes a message without a bounce. */
@Command(name = "delete", mixinStandardHelpOptions = true,
        description = "Remove a message from the queue (no bounce is sent).")
public final class QueueDeleteCommand implements Callable<Integer> {

    @Mixin
    QueueOptions options;

    @Parameters(paramLabel = "ID", description = "The queue id.")
    String id;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        return QueueAction.run(options, (control, dir) -> QueueAction.report(spec.commandLine().getOut(), options,
                "delete", id, control.delete(QueueOptions.id(id))));
    }
}
