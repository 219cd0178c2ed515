package works.cast.relay.server.auth;

import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import works.cast.relay.server.net.LogText;
import works.cast.relay.server.smtp.Authenticator;

/**
 * Checks AUTH PLAIN/LOGIN credentials (RFC 4954) against the users file with bcrypt.
 *
 * <p>Checks run on a small dedicated pool, never on the caller's thread. An unknown user still costs one bcrypt
 * against a dummy hash, so timing does not tell which names exist. A failure completes only after
 * {@code failureDelay}. When the pool and its queue are full the check is not made and the answer is {@link Busy}
 * (a 454 to the client), never a failure: a flood must not lock legitimate users out. {@link #reload()} swaps the whole table atomically (for SIGHUP); a session in progress
 * keeps the answer it got. Thread-safe.
 */
public final class FileAuthenticator implements Authenticator, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(FileAuthenticator.class);
    /** A cost-12 hash of a random password, checked for unknown users. */
    private static final String DUMMY_HASH = "$2y$12$lYObCrEosqToUUuf8pnyp.sSZbIfslv0Rs51j8mVOdaj86toIMPOy";
    private static final int THREADS = 2;
    private static final int QUEUE = 256;

    private final Path file;
    private final Duration failureDelay;
    private final AtomicReference<UsersFile> table;
    private final ThreadPoolExecutor executor;
    private final Executor delayed;

    /** Loads {@code file}; throws with file:line details when it is malformed. */
    public FileAuthenticator(Path file, Duration failureDelay) throws IOException {
        this.file = Objects.requireNonNull(file, "file");
        this.failureDelay = Objects.requireNonNull(failureDelay, "failureDelay");
        this.table = new AtomicReference<>(UsersFile.loadPrivate(file));
        this.executor = new ThreadPoolExecutor(THREADS, THREADS, 60, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(QUEUE), new DefaultThreadFactory("auth-password-check", true));
        this.delayed = CompletableFuture.delayedExecutor(failureDelay.toMillis(), TimeUnit.MILLISECONDS);
        log.info("users loaded file={} users={}", file, table.get().users().size());
    }

    @Override
    public CompletionStage<Optional<User>> authenticate(String username, String password) {
        UsersFile snapshot = table.get();
        CompletableFuture<Optional<User>> result;
        try {
            result = CompletableFuture.supplyAsync(() -> check(snapshot, username, password), executor);
        } catch (RejectedExecutionException e) {
            log.warn("auth unavailable reason=busy user={}", LogText.escape(username));
            return CompletableFuture.failedFuture(new Busy());
        }
        return result.thenCompose(user -> user.isPresent() || failureDelay.isZero()
                ? CompletableFuture.completedFuture(user)
                : CompletableFuture.supplyAsync(() -> user, delayed));
    }

    private static Optional<User> check(UsersFile snapshot, String username, String password) {
        char[] chars = password == null ? new char[0] : password.toCharArray();
        try {
            Optional<UserEntry> entry = username == null ? Optional.empty() : snapshot.user(username);
            boolean match = Passwords.verify(entry.map(UserEntry::hash).orElse(DUMMY_HASH), chars);
            if (match && entry.isPresent()) {
                return Optional.of(new User(entry.get().name(), java.util.Set.copyOf(entry.get().domains())));
            }
            log.debug("auth failed user={} known={}", LogText.escape(username), entry.isPresent());
            return Optional.empty();
        } catch (RuntimeException e) {
            log.warn("auth error user={} error={}", LogText.escape(username), e.toString());
            return Optional.empty();
        } finally {
            Arrays.fill(chars, '\0');
        }
    }

    @Override
    public boolean hasUsers() {
        return !table.get().users().isEmpty();
    }

    /** Rereads the file and swaps the table; on error the old table stays and the error is thrown. */
    public void reload() throws IOException {
        UsersFile fresh = UsersFile.loadPrivate(file);
        table.set(fresh);
        log.info("users reloaded file={} users={}", file, fresh.users().size());
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
