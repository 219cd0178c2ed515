package works.cast.relay.core.dkim.canon;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The relaxed body run scan of {@link RelaxedBodyCanonicalizer}, 32 bytes a step with the JDK's Vector API
 * (AVX2 and wider). Loaded only when the JVM runs with {@code --add-modules jdk.incubator.vector}; without it the
 * canonicalizer uses its eight-byte scan, which gives the same bytes.
 *
 * <p>A byte ends the run when it is whitespace or a control that relaxed canonicalization may change: HTAB, SP or
 * CR/LF followed by whitespace or a control, a lone CR or LF. CRLF between two content lines stays in the run, and
 * so do empty lines inside the body, so mail text and base64 parts pass in runs of kilobytes.
 */
final class VectorRunScanner {

    private static final VectorSpecies<Byte> S = ByteVector.SPECIES_256;
    private static final int STEP = 32;
    private static final byte CR = '\r';
    private static final byte LF = '\n';
    private static final byte SP = ' ';
    private static final byte TAB = '\t';
    private static final byte ZERO = 0;

    private VectorRunScanner() {
    }

    /** True when 256-bit vectors run in hardware here (emulated vectors would be slower than the eight-byte scan). */
    static boolean fast() {
        return ByteVector.SPECIES_PREFERRED.vectorBitSize() >= 256;
    }

    /** The bytes from {@code i} that may change: see the class comment. Reads {@code b[i - 1]} to {@code b[i + 32]}. */
    private static VectorMask<Byte> stops(byte[] b, int i) {
        ByteVector prev = ByteVector.fromArray(S, b, i - 1);
        ByteVector v = ByteVector.fromArray(S, b, i);
        ByteVector next = ByteVector.fromArray(S, b, i + 1);
        // Unsigned "at most SP" as two signed compares: the unsigned operators were renamed after Java 17 (UNSIGNED_LE
        // became ULE), so neither name links on every JDK.
        VectorMask<Byte> low = v.compare(VectorOperators.LE, SP).andNot(v.compare(VectorOperators.LT, ZERO));
        VectorMask<Byte> lowNext = next.compare(VectorOperators.LE, SP).andNot(next.compare(VectorOperators.LT, ZERO));
        VectorMask<Byte> crOfCrlf = v.eq(CR).and(next.eq(LF));
        VectorMask<Byte> lfOfCrlf = v.eq(LF).and(prev.eq(CR));
        VectorMask<Byte> controls = low.andNot(v.eq(SP));
        return low.and(lowNext).or(controls.andNot(lfOfCrlf)).andNot(crOfCrlf);
    }

    /**
     * Extends a run of bytes that pass unchanged from {@code from}, where {@code b[from - 1]} is content; returns its
     * end, which is always just after content (never inside or after a CRLF).
     */
    static int scan(byte[] b, int from, int end) {
        int i = from;
        int last = end - STEP - 1; // stops() reads one byte past the step
        while (i <= last) {
            VectorMask<Byte> stops = stops(b, i);
            if (i + STEP <= last) { // two steps per test: one branch per 64 bytes of plain text
                VectorMask<Byte> second = stops(b, i + STEP);
                if (!stops.or(second).anyTrue()) {
                    i += 2 * STEP;
                    continue;
                }
                if (!stops.anyTrue()) {
                    i += STEP;
                    stops = second;
                }
            } else if (!stops.anyTrue()) {
                i += STEP;
                continue;
            }
            int q = i + stops.firstTrue();
            byte d = b[q];
            if (d != SP && d != TAB && d != CR && d != LF) {
                i = q + 1; // another control character: content
                continue;
            }
            if (d == LF && b[q - 1] == CR && q - 1 >= from) {
                int k = skipEmptyLines(b, q + 1, end);
                if (k > q + 1 && k < end && RelaxedBodyCanonicalizer.plain(b[k])) {
                    i = k + 1; // empty lines followed by content are not trailing: they pass unchanged
                    continue;
                }
            }
            return backToContent(b, from, q);
        }
        if (i > from && b[i - 1] == CR) {
            return i - 1; // a CRLF split by the last step goes to the byte-wise path whole
        }
        return RelaxedBodyCanonicalizer.scanTail(b, i, end);
    }

    private static int skipEmptyLines(byte[] b, int k, int end) {
        while (k + 2 < end && b[k] == CR && b[k + 1] == LF) {
            k += 2;
        }
        return k;
    }

    /** Moves a run end that follows a CR, or a CRLF, back to the content before it. */
    private static int backToContent(byte[] b, int from, int q) {
        if (q - 1 >= from && b[q - 1] == CR) {
            q--;
        }
        if (q - 2 >= from && b[q - 1] == LF && b[q - 2] == CR) {
            q -= 2;
        }
        return q;
    }
}
