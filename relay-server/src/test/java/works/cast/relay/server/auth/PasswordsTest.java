package works.cast.relay.server.auth;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PasswordsTest {

    @Test
    void hashVerifyRoundTrip() {
        String hash = Passwords.hash("correct horse".toCharArray(), 4);
        assertTrue(hash.startsWith("$2y$04$"), hash);
        assertTrue(Passwords.isHash(hash));
        assertTrue(Passwords.verify(hash, "correct horse".toCharArray()));
        assertFalse(Passwords.verify(hash, "correct horsE".toCharArray()));
        assertFalse(Passwords.verify(hash, new char[0]));
    }

    @Test
    void acceptsAllModularVariants() {
        String hash = Passwords.hash("pw".toCharArray(), 4);
        for (String v : new String[] {"$2a$", "$2b$", "$2y$"}) {
            assertTrue(Passwords.verify(v + hash.substring(4), "pw".toCharArray()), v);
        }
    }

    @Test
    void verifiesHashesFromOtherImplementations() {
        // libxcrypt: crypt.crypt("pw", crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=32)) in Python
        assertTrue(Passwords.verify("$2b$05$wY0DNLzNI0h.McBGzSyeoOUR4IirI2ieTyi/bPJtZshIxnQAyTWdK",
                "pw".toCharArray()));
        // jBCrypt test vector
        assertTrue(Passwords.verify("$2a$06$If6bvum7DFjUnE9p2uDeDu0YHzrHM6tf.iqN8.yx.jNN1ILEf7h0i",
                "abc".toCharArray()));
    }

    @Test
    void malformedHashesNeverMatch() {
        assertFalse(Passwords.verify("$1$abc$def", "pw".toCharArray()));
        assertFalse(Passwords.verify("$2x$04$" + "a".repeat(53), "pw".toCharArray()));
        assertFalse(Passwords.verify("", "pw".toCharArray()));
    }

    @Test
    void refusesTooLongEmptyAndBadCost() {
        assertThrows(IllegalArgumentException.class, () -> Passwords.hash("a".repeat(73).toCharArray(), 4));
        assertThrows(IllegalArgumentException.class, () -> Passwords.hash(new char[0], 4));
        assertThrows(IllegalArgumentException.class, () -> Passwords.hash("pw".toCharArray(), 3));
        assertTrue(Passwords.verify(Passwords.hash("a".repeat(72).toCharArray(), 4), "a".repeat(72).toCharArray()));
    }
}
