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

    /** Completes with the user when the credentials are valid, empty otherwise. Never completes exceptionally. */
    CompletionStage<Optional<User>> authenticate(String username, String password);

    /** True when at least one user is configured (AUTH is advertised only then). */
    boolean hasUsers();
}
