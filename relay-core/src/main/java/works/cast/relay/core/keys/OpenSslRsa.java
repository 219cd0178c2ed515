package works.cast.relay.core.keys;

import static jdk.incubator.foreign.CLinker.C_INT;
import static jdk.incubator.foreign.CLinker.C_LONG;
import static jdk.incubator.foreign.CLinker.C_POINTER;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodType;
import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.interfaces.RSAPrivateCrtKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedDeque;
import jdk.incubator.foreign.CLinker;
import jdk.incubator.foreign.FunctionDescriptor;
import jdk.incubator.foreign.MemoryAccess;
import jdk.incubator.foreign.MemoryAddress;
import jdk.incubator.foreign.MemoryLayout;
import jdk.incubator.foreign.MemorySegment;
import jdk.incubator.foreign.ResourceScope;
import jdk.incubator.foreign.SymbolLookup;
import works.cast.relay.core.dkim.canon.BodyHasher;

/**
 * RSASSA-PKCS1-v1_5 private-key operations by the system's OpenSSL 3 libcrypto, called through the JDK 17 foreign
 * linker ({@code jdk.incubator.foreign}). OpenSSL's RSA (Montgomery multiplication with ADX/AVX2, constant time,
 * blinded) signs a 2048-bit key in about half the time of the JDK's, and the RSA operation is the largest part of
 * the relay's CPU per message. The signature is the same bytes either way: PKCS#1 v1.5 is deterministic.
 *
 * <p>Only {@link RsaEngine} touches this class, after checking that the module is present: loading it without
 * the module fails with a linkage error. Whatever goes wrong while binding (no native access, no libcrypto 3, a
 * missing symbol) makes {@link #load()} throw, and the relay signs with the JDK instead.
 */
final class OpenSslRsa {

    private static final int RSA_PKCS1_PADDING = 1;
    private static final int MAX_SIGNATURE = SigningKey.MAX_RSA_BITS / 8;
    private static final Cleaner CLEANER = Cleaner.create(r -> {
        Thread t = new Thread(r, "openssl-key-cleaner");
        t.setDaemon(true);
        return t;
    });

    private final String version;
    private final MethodHandle d2iAutoPrivateKey;
    private final MethodHandle pkeyFree;
    private final MethodHandle ctxNew;
    private final MethodHandle ctxFree;
    private final MethodHandle signInit;
    private final MethodHandle setRsaPadding;
    private final MethodHandle setSignatureMd;
    private final MethodHandle sign;
    private final MethodHandle errGetError;
    private final MethodHandle errErrorStringN;
    private final MemoryAddress sha256;

    private OpenSslRsa(Path library) throws Throwable {
        System.load(library.toString());
        SymbolLookup lookup = SymbolLookup.loaderLookup(); // IllegalCallerException without native access
        CLinker linker = CLinker.getInstance();
        Binder b = new Binder(linker, lookup);
        MethodHandle versionNum = b.bind("OpenSSL_version_num", long.class);
        long num = (long) versionNum.invokeExact();
        if (num >>> 28 < 3) {
            throw new IllegalStateException(library + " is OpenSSL " + Long.toHexString(num) + ", 3.0 or later needed");
        }
        MethodHandle versionText = b.bind("OpenSSL_version", MemoryAddress.class, int.class);
        this.version = CLinker.toJavaString((MemoryAddress) versionText.invokeExact(0));
        this.d2iAutoPrivateKey = b.bind("d2i_AutoPrivateKey", MemoryAddress.class,
                MemoryAddress.class, MemoryAddress.class, long.class);
        this.pkeyFree = b.bind("EVP_PKEY_free", void.class, MemoryAddress.class);
        this.ctxNew = b.bind("EVP_PKEY_CTX_new", MemoryAddress.class, MemoryAddress.class, MemoryAddress.class);
        this.ctxFree = b.bind("EVP_PKEY_CTX_free", void.class, MemoryAddress.class);
        this.signInit = b.bind("EVP_PKEY_sign_init", int.class, MemoryAddress.class);
        this.setRsaPadding = b.bind("EVP_PKEY_CTX_set_rsa_padding", int.class, MemoryAddress.class, int.class);
        this.setSignatureMd = b.bind("EVP_PKEY_CTX_set_signature_md", int.class,
                MemoryAddress.class, MemoryAddress.class);
        this.sign = b.bind("EVP_PKEY_sign", int.class, MemoryAddress.class, MemoryAddress.class,
                MemoryAddress.class, MemoryAddress.class, long.class);
        this.errGetError = b.bind("ERR_get_error", long.class);
        this.errErrorStringN = b.bind("ERR_error_string_n", void.class, long.class, MemoryAddress.class, long.class);
        MethodHandle evpSha256 = b.bind("EVP_sha256", MemoryAddress.class);
        this.sha256 = (MemoryAddress) evpSha256.invokeExact();
    }

    /** Binds libcrypto: {@code dkim-relay.libcrypto} when set, else the first libcrypto.so.3 in the usual places. */
    static OpenSslRsa load() throws Throwable {
        String configured = System.getProperty("dkim-relay.libcrypto");
        if (configured != null) {
            return new OpenSslRsa(Path.of(configured));
        }
        for (Path p : candidates()) {
            if (Files.isReadable(p)) {
                return new OpenSslRsa(p);
            }
        }
        throw new IllegalStateException("no libcrypto.so.3 found in " + candidates());
    }

    private static List<Path> candidates() {
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String triplet = switch (arch) {
            case "amd64", "x86_64" -> "x86_64-linux-gnu";
            case "aarch64", "arm64" -> "aarch64-linux-gnu";
            default -> arch + "-linux-gnu";
        };
        List<Path> paths = new ArrayList<>();
        for (String dir : List.of("/usr/lib/" + triplet, "/lib/" + triplet, "/usr/lib64", "/usr/lib", "/lib64")) {
            paths.add(Path.of(dir, "libcrypto.so.3"));
        }
        return paths;
    }

    /** "OpenSSL 3.0.19 27 Jan 2026", for the startup log. */
    String version() {
        return version;
    }

    /** Imports a private key; the native copy of its encoding is zeroed once OpenSSL has parsed it. */
    Key importKey(RSAPrivateCrtKey key) {
        byte[] der = key.getEncoded(); // PKCS#8 PrivateKeyInfo
        try (ResourceScope scope = ResourceScope.newConfinedScope()) {
            MemorySegment buf = MemorySegment.allocateNative(der.length, scope);
            buf.copyFrom(MemorySegment.ofArray(der));
            MemorySegment cursor = MemorySegment.allocateNative(C_POINTER.byteSize(), scope);
            MemoryAccess.setAddress(cursor, buf.address());
            MemoryAddress pkey = (MemoryAddress) d2iAutoPrivateKey.invokeExact(MemoryAddress.NULL, cursor.address(),
                    (long) der.length);
            buf.fill((byte) 0);
            if (pkey.equals(MemoryAddress.NULL)) {
                throw new KeyException("OpenSSL could not import the RSA key: " + lastError());
            }
            return new Key(this, pkey);
        } catch (KeyException e) {
            throw e;
        } catch (Throwable e) {
            throw new KeyException("OpenSSL could not import the RSA key: " + e, e);
        } finally {
            Arrays.fill(der, (byte) 0);
        }
    }

    /** The first error on this thread's OpenSSL error queue, which it empties. */
    private String lastError() throws Throwable {
        long code = (long) errGetError.invokeExact();
        String first = "no error recorded";
        if (code != 0) {
            try (ResourceScope scope = ResourceScope.newConfinedScope()) {
                MemorySegment text = MemorySegment.allocateNative(256, scope);
                errErrorStringN.invokeExact(code, text.address(), 256L);
                first = CLinker.toJavaString(text);
            }
        }
        while (code != 0) {
            code = (long) errGetError.invokeExact();
        }
        return first;
    }

    /**
     * An imported key and a pool of signing contexts made from it (an {@code EVP_PKEY_CTX} is used by one thread
     * at a time; the key itself is shared). The pool holds at most as many contexts as threads ever signed at
     * once. Native memory is freed when this object becomes unreachable.
     */
    static final class Key implements RsaSigner {
        private final OpenSslRsa lib;
        private final State state;

        private Key(OpenSslRsa lib, MemoryAddress pkey) {
            this.lib = lib;
            this.state = new State(lib, pkey);
            CLEANER.register(this, state);
        }

        @Override
        public byte[] sign(byte[] data) {
            return signSha256(BodyHasher.sha256().digest(data));
        }

        /** The PKCS#1 v1.5 signature of a SHA-256 digest (the DigestInfo is added by OpenSSL). */
        byte[] signSha256(byte[] digest) {
            MemoryAddress ctx = state.idle.pollFirst();
            try {
                if (ctx == null) {
                    ctx = newContext();
                }
                try (ResourceScope scope = ResourceScope.newConfinedScope()) {
                    MemorySegment mem = MemorySegment.allocateNative(MAX_SIGNATURE + 8 + digest.length, scope);
                    MemorySegment sig = mem.asSlice(0, MAX_SIGNATURE);
                    MemorySegment sigLen = mem.asSlice(MAX_SIGNATURE, 8);
                    MemorySegment tbs = mem.asSlice(MAX_SIGNATURE + 8, digest.length);
                    tbs.copyFrom(MemorySegment.ofArray(digest));
                    MemoryAccess.setLong(sigLen, MAX_SIGNATURE);
                    int rc = (int) lib.sign.invokeExact(ctx, sig.address(), sigLen.address(), tbs.address(),
                            (long) digest.length);
                    if (rc != 1) {
                        MemoryAddress broken = ctx;
                        ctx = null;
                        lib.ctxFree.invokeExact(broken);
                        throw new KeyException("OpenSSL RSA signing failed: " + lib.lastError());
                    }
                    return sig.asSlice(0, MemoryAccess.getLong(sigLen)).toByteArray();
                }
            } catch (KeyException e) {
                throw e;
            } catch (Throwable e) {
                throw new KeyException("OpenSSL RSA signing failed: " + e, e);
            } finally {
                if (ctx != null) {
                    state.idle.addFirst(ctx);
                }
                Reference.reachabilityFence(this); // the cleaner must not free the key while it signs
            }
        }

        private MemoryAddress newContext() throws Throwable {
            MemoryAddress ctx = (MemoryAddress) lib.ctxNew.invokeExact(state.pkey, MemoryAddress.NULL);
            if (ctx.equals(MemoryAddress.NULL)) {
                throw new KeyException("OpenSSL could not make a signing context: " + lib.lastError());
            }
            if ((int) lib.signInit.invokeExact(ctx) != 1
                    || (int) lib.setRsaPadding.invokeExact(ctx, RSA_PKCS1_PADDING) != 1
                    || (int) lib.setSignatureMd.invokeExact(ctx, lib.sha256) != 1) {
                String error = lib.lastError();
                lib.ctxFree.invokeExact(ctx);
                throw new KeyException("OpenSSL could not set up RSA-SHA256 signing: " + error);
            }
            return ctx;
        }
    }

    /** What the cleaner frees; it must not refer to the key's owner. */
    private static final class State implements Runnable {
        private final OpenSslRsa lib;
        private final MemoryAddress pkey;
        private final ConcurrentLinkedDeque<MemoryAddress> idle = new ConcurrentLinkedDeque<>();

        State(OpenSslRsa lib, MemoryAddress pkey) {
            this.lib = lib;
            this.pkey = pkey;
        }

        @Override
        public void run() {
            try {
                for (MemoryAddress ctx; (ctx = idle.pollFirst()) != null; ) {
                    lib.ctxFree.invokeExact(ctx);
                }
                lib.pkeyFree.invokeExact(pkey);
            } catch (Throwable ignored) {
                // Nothing to do: the process keeps running with a few bytes not returned.
            }
        }
    }

    /** Downcall handles for libcrypto symbols; C types follow the Java ones (pointer, int, long and size_t on LP64). */
    private record Binder(CLinker linker, SymbolLookup lookup) {

        MethodHandle bind(String name, Class<?> ret, Class<?>... args) {
            MemoryAddress symbol = lookup.lookup(name)
                    .orElseThrow(() -> new IllegalStateException("libcrypto has no " + name));
            MemoryLayout[] layouts = new MemoryLayout[args.length];
            for (int i = 0; i < args.length; i++) {
                layouts[i] = layout(args[i]);
            }
            FunctionDescriptor fd = ret == void.class ? FunctionDescriptor.ofVoid(layouts)
                    : FunctionDescriptor.of(layout(ret), layouts);
            return linker.downcallHandle(symbol, MethodType.methodType(ret, args), fd);
        }

        private static MemoryLayout layout(Class<?> type) {
            if (type == MemoryAddress.class) {
                return C_POINTER;
            } else if (type == int.class) {
                return C_INT;
            } else if (type == long.class) {
                return C_LONG;
            }
            throw new IllegalArgumentException("no C layout for " + type);
        }
    }
}
