package works.cast.relay.core.keys;

/** A key cannot be read or used; the message says which key and why. */
public class KeyException extends RuntimeException {
    public KeyException(String message) {
        super(message);
    }

    public KeyException(String message, Throwable cause) {
        super(message, cause);
    }
}
