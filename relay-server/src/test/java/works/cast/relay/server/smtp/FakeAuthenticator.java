package works.cast.relay.server.smtp;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** An Authenticator with fixed users and passwords. */
final class FakeAuthenticator implements Authenticator {

    private final Map<String, String> passwords;

    FakeAuthenticator(Map<String, String> passwords) {
        this.passwords = Map.copyOf(passwords);
    }

    static FakeAuthenticator alice() {
        return new FakeAuthenticator(Map.of("alice", "s3cret"));
    }

    static FakeAuthenticator none() {
        return new FakeAuthenticator(Map.of());
    }

    @Override
    public CompletionStage<Optional<User>> authenticate(String username, String password) {
        boolean ok = password.equals(passwords.get(username));
        return CompletableFuture.supplyAsync(
                () -> ok ? Optional.of(new User(username, Set.of("cast.works"))) : Optional.empty());
    }

    @Override
    public boolean hasUsers() {
        return !passwords.isEmpty();
    }
}
