package works.cast.relay.server.cli.queue;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import works.cast.relay.server.cli.CliException;
import works.cast.relay.server.queue.QueueControl;

/** Shared plumbing of the {@code queue} subcommands: I/O errors become one-line CLI errors. */
final class QueueAction {

    /** A subcommand body. */
    @FunctionalInterface
    interface Body {
        int run(QueueControl control, Path dir) throws IOException;
    }

    private QueueAction() {
    }

    static int run(QueueOptions options, Body body) {
        Path dir = options.directory();
        try {
            return body.run(options.control(), dir);
        } catch (NoSuchFileException e) {
            throw new CliException("queue directory " + dir + " does not exist (is relay.queue.dir right?)");
        } catch (IOException e) {
            throw new CliException("queue directory " + dir + ": " + e.getMessage());
        }
    }

    /** Reports a retry or delete. */
    static int report(PrintWriter out, QueueOptions options, String action, String target,
                      QueueControl.Outcome outcome) {
        if (outcome == QueueControl.Outcome.NOT_FOUND) {
            throw new CliException("no message " + target + " in the queue");
        }
        if (options.json) {
            out.println("{\"action\": " + QueueFormat.q(action) + ", \"target\": " + QueueFormat.q(target)
                    + ", \"outcome\": " + QueueFormat.q(outcome == QueueControl.Outcome.DONE ? "done" : "requested")
                    + "}");
        } else if (outcome == QueueControl.Outcome.DONE) {
            out.println(action + " " + target + ": done (relay not running)");
        } else {
            out.println(action + " " + target + ": requested; the running relay acts on it within a few seconds");
        }
        out.flush();
        return 0;
    }
}
