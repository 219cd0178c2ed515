package works.cast.relay.server.smtp;

import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * Checks AUTH PLAIN/LOGIN credentials (RFC 4954). Password hashes are slow on purpose, so the check runs off the
 * event loop: the session calls {@link #authenticate} on its event loop and gets the answer later, on any thread.
 */
public interface Authenticator {

    /** An authenticated user and the From domains it may send as. */
    record User(String name, Set<String> domains) {
        public User {
            domains = Set.copyOf(domains);
        }
    }

    /**
     * Completes with the user when the credentials are valid, empty otherwise; exceptionally only with {@link Busy}
     * when the credentials cannot be checked now (the client gets a 454 and the attempt is not a failure).
     */
    CompletionStage<Optional<User>> authenticate(String username, String password);

    /** The password checkers are all busy and their queue is full: the AUTH was not checked. */
    final class Busy extends RuntimeException {
        public Busy() {
            super("password checks busy", null, false, false);
        }
    }

    /** True when at least one user is configured (AUTH is advertised only then). */
    boolean hasUsers();
}
