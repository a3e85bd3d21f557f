package dev.digitlab.exchange;

import dev.digitlab.DigitlabException;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import net.razorvine.pickle.IObjectConstructor;
import net.razorvine.pickle.Opcodes;
import net.razorvine.pickle.PickleException;
import net.razorvine.pickle.PickleUtils;
import net.razorvine.pickle.Unpickler;

/**
 * Reads a {@code state_dict} saved by {@code torch.save}: the zip format of PyTorch 1.6 and later, and the legacy
 * format before it. A pickle is a program for a small stack machine whose GLOBAL instruction names any Python callable,
 * so unpickling untrusted bytes with Python's pickle runs whatever it names. Here razorvine's unpickler reads it with
 * every global outside an allow-list refused (naming the global), no object built but those a state_dict is made of (an
 * ordered dict, tensors rebuilt from storages), and every size a storage or tensor claims checked against the bytes
 * actually there and against {@link Limits} before anything is allocated: lengths of strings, bytes and integers
 * against what is left of the program, storages and tensors summed over the file. Dict keys must be names or
 * numbers and sets are refused, so no container the file builds is ever hashed, and messages name containers by
 * their type only, so none is ever printed: nesting costs nothing. Nothing is ever executed or deserialised as a
 * Java object.
 */
final class TorchPickle {
    /** What {@code torch.save} writes for a state_dict, and nothing else. */
    private static final Set<String> ALLOWED = Set.of("collections.OrderedDict", "torch._utils._rebuild_tensor_v2",
            "torch._utils._rebuild_parameter", "torch.FloatStorage", "torch.LongStorage", "torch.DoubleStorage",
            "torch.HalfStorage", "torch.BFloat16Storage", "torch.IntStorage", "torch.ByteStorage");
    private static final Map<String, String> STORAGE_DTYPES = Map.of("FloatStorage", "float32", "LongStorage", "int64",
            "DoubleStorage", "float64", "HalfStorage", "float16", "BFloat16Storage", "bfloat16", "IntStorage", "int32",
            "ByteStorage", "uint8");
    private static final Map<String, Integer> ELEMENT_BYTES = Map.of("float32", 4, "int64", 8, "float64", 8,
            "float16", 2, "bfloat16", 2, "int32", 4, "uint8", 1);
    /** Python's set, as a module records its non-persistent buffers' names: data, built without calling anything. */
    private static final Set<String> SETS = Set.of("__builtin__.set", "builtins.set");
    private static final BigInteger LEGACY_MAGIC = new BigInteger("1950a86a20f9469cfc6c", 16);
    /** Storages deflated harder than deflate can: a zip bomb. */
    private static final long DEFLATE_RATIO = 1032;

    private TorchPickle() {}

    /** Reads {@code file}: a zip (PyTorch >= 1.6) or the legacy stream. */
    static StateDict read(Path file) {
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(2);
        } catch (IOException e) {
            throw new DigitlabException(file + ": cannot read (" + e.getMessage() + ")");
        }
        return head.length == 2 && head[0] == 'P' && head[1] == 'K' ? readZip(file) : readLegacy(file);
    }

    // ---- the two containers --------------------------------------------------------------------------------------

    private static StateDict readZip(Path file) {
        try (ZipFile zip = new ZipFile(file.toFile())) {
            String prefix = null;
            for (var e = zip.entries(); e.hasMoreElements(); ) {
                String name = e.nextElement().getName();
                if (name.endsWith("/code/") || name.contains("/code/__torch__") || name.endsWith("/constants.pkl")) {
                    throw new DigitlabException(file + ": a TorchScript archive (torch.jit.save), not a state_dict; "
                            + "import it with {@arch} torchscript");
                }
                if (name.endsWith("data.pkl") && name.indexOf('/') == name.length() - "/data.pkl".length()) {
                    prefix = name.substring(0, name.length() - "data.pkl".length());
                }
            }
            if (prefix == null) {
                throw new DigitlabException(file + ": a zip without data.pkl, not a file torch.save wrote");
            }
            ZipEntry order = zip.getEntry(prefix + "byteorder");
            if (order != null && !"little".equals(new String(entry(zip, order, 16, file)).strip())) {
                throw new DigitlabException(file + ": tensors stored big-endian; save it on a little-endian machine");
            }
            String dataDir = prefix + "data/";
            Limits limits = new Limits(file);
            byte[] program = entry(zip, zip.getEntry(prefix + "data.pkl"), Limits.PICKLE_BYTES, file);
            Object root = unpickle(new Remaining(new ByteArrayInputStream(program), program.length), file, limits, (key, dtype) -> {
                ZipEntry data = zip.getEntry(dataDir + key);
                if (data == null) {
                    throw new DigitlabException(file + ": the pickle names storage '" + Limits.brief(key) + "', which the zip lacks");
                }
                long packed = data.getCompressedSize();
                if (data.getSize() < 0 || packed < 0 || data.getSize() > (data.getMethod() == ZipEntry.STORED ? packed : packed * DEFLATE_RATIO)) {
                    throw new DigitlabException(file + ": entry " + Limits.brief(data.getName()) + " claims " + data.getSize()
                            + " bytes from " + packed + " in the file; more than it can hold");
                }
                return new Bytes(data.getSize(), () -> entry(zip, data, data.getSize(), file));
            });
            return stateDict(root, file, "pytorch-zip");
        } catch (ZipException e) {
            throw new DigitlabException(file + ": not a whole zip (" + Limits.brief(e.getMessage()) + "); truncated?");
        } catch (IOException e) {
            throw new DigitlabException(file + ": cannot read (" + Limits.brief(e.getMessage()) + ")");
        }
    }

    /** A zip entry's bytes, refusing more than {@code limit}, or other than the directory promised. */
    private static byte[] entry(ZipFile zip, ZipEntry e, long limit, Path file) throws IOException {
        if (e.getSize() < 0 || e.getSize() > limit || e.getSize() > Integer.MAX_VALUE - 8) {
            throw new DigitlabException(file + ": entry " + Limits.brief(e.getName()) + " claims " + e.getSize() + " bytes (at most "
                    + limit + " expected)");
        }
        try (InputStream in = zip.getInputStream(e)) {
            byte[] b = in.readNBytes((int) e.getSize());
            if (b.length != e.getSize() || in.read() != -1) {
                throw new DigitlabException(file + ": entry " + Limits.brief(e.getName()) + " does not hold the " + e.getSize()
                        + " bytes its directory says; truncated or corrupt");
            }
            return b;
        }
    }

    /**
     * The legacy format: pickles of a magic number, the protocol version and system info, the object itself and the
     * list of storage keys, then each storage as an 8-byte element count followed by its bytes.
     */
    private static StateDict readLegacy(Path file) {
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            throw new DigitlabException(file + ": cannot read (" + Limits.brief(e.getMessage()) + ")");
        }
        try (Remaining in = new Remaining(new BufferedInputStream(Files.newInputStream(file)), size)) {
            Limits limits = new Limits(file);
            Object magic = plain(in, file);
            if (!(magic instanceof Number n) || !new BigInteger(n.toString()).equals(LEGACY_MAGIC)) {
                throw new DigitlabException(file + ": neither a zip nor a legacy torch.save file");
            }
            plain(in, file); // protocol version
            plain(in, file); // system info
            Map<String, byte[][]> legacy = new HashMap<>();
            Map<String, Integer> widths = new HashMap<>();
            Object root = unpickle(in, file, limits, (key, dtype) -> {
                byte[][] holder = new byte[1][];
                legacy.put(key, holder);
                widths.put(key, ELEMENT_BYTES.get(dtype));
                return new Bytes(-1, () -> holder[0]);
            });
            if (!(plain(in, file) instanceof List<?> keys)) {
                throw new DigitlabException(file + ": a legacy file without its list of storages");
            }
            for (Object k : keys) {
                if (!(k instanceof String key)) {
                    throw new DigitlabException(file + ": a storage key that is a " + typeName(k) + ", not a name");
                }
                byte[] count = in.readNBytes(8);
                if (count.length < 8) {
                    throw new EOFException();
                }
                long numel = ByteBuffer.wrap(count).order(ByteOrder.LITTLE_ENDIAN).getLong();
                byte[][] holder = legacy.get(key);
                int width = holder == null ? 1 : widths.get(key);
                if (holder == null || numel < 0 || numel > in.left() / Math.max(width, 1)
                        || numel > Limits.STORAGE_BYTES / Math.max(width, 1)) {
                    throw new DigitlabException(file + ": storage '" + Limits.brief(key) + "' claims " + numel
                            + " elements, more than the file holds");
                }
                holder[0] = in.readNBytes((int) (numel * width));
                if (holder[0].length != numel * width) {
                    throw new EOFException();
                }
            }
            return stateDict(root, file, "pytorch-legacy");
        } catch (EOFException e) {
            throw new DigitlabException(file + ": ends in the middle of a tensor; truncated");
        } catch (IOException | PickleException e) {
            throw new DigitlabException(file + ": not a torch.save file (" + Limits.brief(e.getMessage()) + ")");
        }
    }

    /** A stream that knows how many of its bytes are left, so that no length read from it is believed beyond them. */
    static final class Remaining extends FilterInputStream {
        private long left;

        Remaining(InputStream in, long size) {
            super(in);
            this.left = size;
        }

        long left() {
            return left;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                left--;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                left -= n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long k = super.skip(n);
            left -= k;
            return k;
        }
    }

    /** A pickle of plain values only (numbers, strings, lists, dicts): any global is refused. */
    private static Object plain(Remaining in, Path file) throws IOException {
        return unpickle(in, file, new Limits(file), (key, dtype) -> {
            throw new DigitlabException(file + ": a persistent reference where none belongs");
        });
    }

    // ---- the guarded unpickler -----------------------------------------------------------------------------------

    /** Where a storage's bytes are: how many there are when known before reading (-1 if not), and how to read them. */
    record Bytes(long size, IoSupplier read) {}

    interface IoSupplier {
        byte[] get() throws IOException;
    }

    /** Finds the bytes of the storage the pickle calls {@code key}, of elements of {@code dtype}. */
    interface Storages {
        Bytes locate(String key, String dtype);
    }

    /** A storage the pickle referred to; its bytes are read only after the whole pickle was accepted. */
    record Storage(String key, String dtype, long numel, Bytes bytes) {}

    record PendingTensor(Storage storage, long offset, long[] size, long[] stride) {}

    /** The ordered dict a state_dict is. */
    static final class OrderedDict extends LinkedHashMap<Object, Object> {}

    /** A storage class the pickle named (torch.FloatStorage, ...); it is a marker, never called. */
    record StorageType(String dtype) implements IObjectConstructor {
        @Override
        public Object construct(Object[] args) {
            throw new PickleException("a storage class is not called in a state_dict");
        }
    }

    private static String describe(Object o) {
        return o instanceof ClassRef c ? c.name() : o == null ? "None" : o.getClass().getSimpleName();
    }

    private static Object unpickle(Remaining program, Path file, Limits limits, Storages storages) throws IOException {
        try {
            return new Guarded(file, program, limits, storages).load(program);
        } catch (PickleException | ClassCastException | IllegalArgumentException | IndexOutOfBoundsException
                 | ArithmeticException | NullPointerException | NegativeArraySizeException e) {
            throw new DigitlabException(file + ": not a state_dict pickle (" + e.getClass().getSimpleName() + ": "
                    + Limits.brief(e.getMessage()) + ")");
        } catch (StackOverflowError e) { // nothing here recurses into the file's objects; a last line of defence
            throw new DigitlabException(file + ": a pickle nested too deeply");
        }
    }

    /** A value's type for a message: a container the file built is never printed (it may nest without end). */
    private static String typeName(Object o) {
        return o == null ? "None" : o.getClass().getSimpleName();
    }

    private static final class Guarded extends Unpickler {
        private final Path file;
        private final Remaining program;
        private final Limits limits;
        private final Storages storages;
        private final Set<String> counted = new HashSet<>();
        private int ops;

        Guarded(Path file, Remaining program, Limits limits, Storages storages) {
            this.file = file;
            this.program = program;
            this.limits = limits;
            this.storages = storages;
        }

        @Override
        protected Object dispatch(short key) throws IOException {
            if (++ops > Limits.PICKLE_OPS) {
                throw new DigitlabException(file + ": a pickle of more than " + Limits.PICKLE_OPS + " instructions; "
                        + "not a state_dict digitlab reads");
            }
            switch (key) {
                // lengths are read here and checked against what is left before anything of that length is made
                case Opcodes.BINUNICODE -> stack.add(new String(chunk(length(4)), StandardCharsets.UTF_8));
                case Opcodes.BINUNICODE8 -> stack.add(new String(chunk(length(8)), StandardCharsets.UTF_8));
                case Opcodes.BINSTRING -> stack.add(new String(chunk(length(4)), StandardCharsets.ISO_8859_1));
                case Opcodes.BINBYTES -> stack.add(chunk(length(4)));
                case Opcodes.BINBYTES8, Opcodes.BYTEARRAY8 -> stack.add(chunk(length(8)));
                case Opcodes.LONG4 -> {
                    long n = length(4);
                    if (n > Limits.INTEGER_BYTES) {
                        throw new DigitlabException(file + ": a pickled integer of " + n + " bytes (at most "
                                + Limits.INTEGER_BYTES + " read)");
                    }
                    stack.add(PickleUtils.decode_long(chunk(n)));
                }
                case Opcodes.LONG -> {
                    String digits = line(Limits.INTEGER_BYTES + 2);
                    BigInteger v = new BigInteger(digits.endsWith("L") ? digits.substring(0, digits.length() - 1) : digits);
                    stack.add(v.bitLength() < 64 ? (Object) v.longValue() : v);
                }
                case Opcodes.EMPTY_SET, Opcodes.ADDITEMS, Opcodes.FROZENSET -> throw new DigitlabException(file
                        + ": the pickle builds a set; a state_dict has none");
                case Opcodes.NEXT_BUFFER, Opcodes.READONLY_BUFFER -> throw new DigitlabException(file
                        + ": the pickle refers to out-of-band buffers; a state_dict has none");
                case Opcodes.EMPTY_DICT -> stack.add(new LinkedHashMap<>()); // a module's dicts keep registration order
                case Opcodes.DICT -> {
                    List<Object> items = stack.pop_all_since_marker();
                    Map<Object, Object> dict = new LinkedHashMap<>();
                    for (int i = 0; i + 1 < items.size(); i += 2) {
                        dict.put(dictKey(items.get(i)), items.get(i + 1));
                    }
                    stack.add(dict);
                }
                case Opcodes.SETITEM -> {
                    Object value = stack.pop();
                    Object k = dictKey(stack.pop());
                    dict(stack.peek()).put(k, value);
                }
                case Opcodes.GLOBAL -> {
                    String module = PickleUtils.readline(input);
                    stack.add(global(module, PickleUtils.readline(input)));
                    return NO_RETURN_VALUE;
                }
                case Opcodes.STACK_GLOBAL -> {
                    String name = (String) stack.pop();
                    stack.add(global((String) stack.pop(), name));
                    return NO_RETURN_VALUE;
                }
                case Opcodes.SETITEMS -> { // the library's version collects the items in a HashMap, losing their order
                    List<Object> items = stack.pop_all_since_marker();
                    Map<Object, Object> dict = dict(stack.peek());
                    for (int i = 0; i + 1 < items.size(); i += 2) {
                        dict.put(dictKey(items.get(i)), items.get(i + 1));
                    }
                    return NO_RETURN_VALUE;
                }
                case Opcodes.NEWOBJ -> { // cls.__new__(cls): torch.save(model) makes each module so, then sets its state
                    Object args = stack.pop();
                    Object cls = stack.pop();
                    if (!(cls instanceof ClassRef c) || !(args instanceof Object[] a) || a.length > 0) {
                        throw new DigitlabException(file + ": refused: the pickle builds " + describe(cls)
                                + " with arguments; a saved module is built without any");
                    }
                    stack.add(new ObjectRecord(c.name()));
                    return NO_RETURN_VALUE;
                }
                case Opcodes.BUILD -> { // a module's attributes, or the ordered dict's _metadata (module versions)
                    Object state = stack.pop();
                    if (stack.peek() instanceof ObjectRecord r && state instanceof Map<?, ?> attributes && r.state() == null) {
                        r.setState(attributes);
                        return NO_RETURN_VALUE;
                    }
                    if (!(stack.peek() instanceof OrderedDict) || !(state instanceof Map)) {
                        throw new DigitlabException(file + ": the pickle sets the state of a "
                                + typeName(stack.peek()) + "; a state_dict does not");
                    }
                    return NO_RETURN_VALUE;
                }
                case Opcodes.INST, Opcodes.OBJ, Opcodes.NEWOBJ_EX, Opcodes.EXT1, Opcodes.EXT2, Opcodes.EXT4 ->
                        throw new DigitlabException(file + ": refused: the pickle builds objects by class (opcode "
                                + key + "); a state_dict does not");
                default -> {
                    return super.dispatch(key);
                }
            }
            return NO_RETURN_VALUE;
        }

        /** A little-endian length of {@code width} bytes, refused if negative or past the end of the program. */
        private long length(int width) throws IOException {
            byte[] b = PickleUtils.readbytes(input, width);
            long n = width == 4 ? ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt()
                    : ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong();
            if (n < 0 || n > program.left()) {
                throw new DigitlabException(file + ": the pickle claims a value of " + n + " bytes with " + program.left()
                        + " left");
            }
            return n;
        }

        private byte[] chunk(long n) throws IOException {
            return PickleUtils.readbytes(input, (int) n);
        }

        /** A text line (protocol 0 numbers) of at most {@code max} characters. */
        private String line(int max) throws IOException {
            StringBuilder sb = new StringBuilder();
            for (int c; (c = input.read()) != '\n'; ) {
                if (c < 0 || sb.length() >= max) {
                    throw new DigitlabException(file + ": a pickled number longer than " + max + " characters");
                }
                sb.append((char) c);
            }
            return sb.toString();
        }

        /**
         * Keys are hashed (and compared) as they go in: a list nested 300,000 deep overflows the stack, and 40 levels
         * of shared lists take 2^40 steps. A state_dict's keys are names; numbers are allowed as cheap to hash.
         */
        private Object dictKey(Object k) {
            if (k instanceof String || k instanceof Integer || k instanceof Long || k instanceof Boolean) {
                return k;
            }
            throw new DigitlabException(file + ": a dict key that is a " + typeName(k) + "; a state_dict's keys are names");
        }

        @SuppressWarnings("unchecked")
        private Map<Object, Object> dict(Object o) {
            if (!(o instanceof Map)) {
                throw new DigitlabException(file + ": the pickle sets an item of a " + typeName(o) + ", not of a dict");
            }
            return (Map<Object, Object>) o;
        }

        private IObjectConstructor global(String module, String name) {
            String qualified = module + "." + name;
            if (SETS.contains(qualified)) { // of names only: hashing a string costs its length, nothing the file nests
                return args -> {
                    if (args.length != 1 || !(args[0] instanceof List<?> l) || !l.stream().allMatch(e -> e instanceof String)) {
                        throw new DigitlabException(file + ": a set of other than names; a saved module's sets hold names");
                    }
                    return new LinkedHashSet<>(l);
                };
            }
            if (!ALLOWED.contains(qualified)) {
                return new ClassRef(file, Limits.brief(qualified));
            }
            return switch (qualified) {
                case "collections.OrderedDict" -> args -> new OrderedDict();
                case "torch._utils._rebuild_tensor_v2" -> this::rebuild;
                case "torch._utils._rebuild_parameter" -> args -> args[0]; // (tensor, requires_grad, hooks)
                default -> new StorageType(STORAGE_DTYPES.get(name));
            };
        }

        /** torch's persistent id for a storage: ('storage', type, key, location, numel[, view metadata]). */
        @Override
        protected Object persistentLoad(Object pid) {
            if (pid instanceof Object[] t && t.length >= 2 && "module".equals(t[0]) && t[1] instanceof ClassRef c) {
                return c; // the legacy format's reference to a module's class (with its source, which is not read)
            }
            if (!(pid instanceof Object[] t) || t.length < 5 || !"storage".equals(t[0]) || !(t[1] instanceof StorageType type)
                    || !(t[2] instanceof String key) || !(t[4] instanceof Number count)) {
                throw new DigitlabException(file + ": a persistent reference that is not a torch storage");
            }
            long numel = count.longValue();
            int width = ELEMENT_BYTES.get(type.dtype());
            Bytes where = storages.locate(key, type.dtype());
            if (numel < 0 || where.size() >= 0 && numel > where.size() / width) {
                throw new DigitlabException(file + ": storage '" + Limits.brief(key) + "' claims " + numel + " " + type.dtype()
                        + " elements (" + Math.multiplyExact(numel, width) + " bytes) but holds " + where.size() + " bytes");
            }
            if (where.size() >= 0 && where.size() != numel * width) { // what is read is the entry: it is what is counted
                throw new DigitlabException(file + ": storage '" + Limits.brief(key) + "' holds " + where.size()
                        + " bytes, not the " + numel * width + " its " + numel + " " + type.dtype() + " elements take");
            }
            if (counted.add(key)) { // a storage is read once however many tensors view it
                limits.storage(key, Math.multiplyExact(numel, width));
            }
            return new Storage(key, type.dtype(), numel, where);
        }

        /** _rebuild_tensor_v2(storage, offset, size, stride, requires_grad, backward_hooks[, metadata]). */
        private Object rebuild(Object[] a) {
            if (a.length < 4 || !(a[0] instanceof Storage s)) {
                throw new DigitlabException(file + ": a tensor without a storage");
            }
            long offset = ((Number) a[1]).longValue();
            long[] size = longs(a[2]);
            long[] stride = longs(a[3]);
            if (size.length != stride.length || offset < 0 || size.length > Limits.DIMENSIONS) {
                throw new DigitlabException(file + ": a tensor with a bad size, stride or offset");
            }
            long count = 1;
            long last = offset;
            for (int i = 0; i < size.length; i++) {
                if (size[i] < 0 || stride[i] < 0) {
                    throw new DigitlabException(file + ": a tensor with a negative size or stride");
                }
                count = Math.multiplyExact(count, size[i]);
                last = Math.addExact(last, size[i] == 0 ? 0 : Math.multiplyExact(size[i] - 1, stride[i]));
            }
            if (count > 0 && last >= s.numel()) {
                throw new DigitlabException(file + ": a tensor of shape " + Arrays.toString(size) + " reaches past its storage of "
                        + s.numel() + " elements");
            }
            // views may repeat a storage's elements (a stride of 0): what is made is the shape's count, not the storage
            limits.elements("a tensor of shape " + Arrays.toString(size), count);
            return new PendingTensor(s, offset, size, stride);
        }

        private static long[] longs(Object tuple) {
            Object[] t = tuple instanceof Object[] o ? o : new Object[] {tuple};
            long[] out = new long[t.length];
            for (int i = 0; i < t.length; i++) {
                out[i] = ((Number) t[i]).longValue();
            }
            return out;
        }
    }

    // ---- from pickle objects to tensors --------------------------------------------------------------------------

    private static StateDict stateDict(Object root, Path file, String format) throws IOException {
        if (root instanceof ObjectRecord module) {
            root = ModuleTree.stateDict(module, file);
        }
        if (!(root instanceof Map<?, ?> map)) {
            throw new DigitlabException(file + ": holds a " + typeName(root) + ", not a state_dict (an ordered dict of tensors)");
        }
        Map<String, ByteBuffer> read = new HashMap<>();
        // one tensor under several names (a pickle's memo) is made once: its elements were counted once
        Map<PendingTensor, Tensor> made = new IdentityHashMap<>();
        LinkedHashMap<String, Tensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (!(e.getKey() instanceof String name) || !(e.getValue() instanceof PendingTensor t)) {
                throw new DigitlabException(file + ": entry " + (e.getKey() instanceof String k ? "'" + Limits.brief(k) + "'"
                        : "of type " + typeName(e.getKey())) + " holds a " + typeName(e.getValue()) + ", not a tensor; not a state_dict");
            }
            Limits.name(file, name);
            Storage s = t.storage();
            ByteBuffer bytes = read.get(s.key());
            if (bytes == null) {
                byte[] b = s.bytes().read().get();
                long need = s.numel() * ELEMENT_BYTES.get(s.dtype());
                if (b == null || b.length < need) {
                    throw new DigitlabException(file + ": storage '" + Limits.brief(s.key()) + "' holds " + (b == null ? 0 : b.length)
                            + " bytes, fewer than the " + need + " its tensors need; truncated?");
                }
                bytes = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
                read.put(s.key(), bytes);
            }
            ByteBuffer storage = bytes;
            tensors.put(name, made.computeIfAbsent(t, p -> gather(p, storage)));
        }
        return new StateDict(tensors, format);
    }

    /** The tensor's elements in row-major order, following its offset and strides through the storage. */
    private static Tensor gather(PendingTensor t, ByteBuffer b) {
        long[] size = t.size();
        int n = (int) Arrays.stream(size).reduce(1, Math::multiplyExact);
        String dtype = t.storage().dtype();
        float[] floats = dtype.equals(Tensor.F32) ? new float[n] : null;
        long[] longs = dtype.equals(Tensor.I64) ? new long[n] : null;
        if (floats == null && longs == null) {
            return new Tensor(dtype, size, null, null); // kept to be named in an error, not used
        }
        long[] index = new long[size.length];
        for (int i = 0; i < n; i++) {
            long at = t.offset();
            for (int d = 0; d < size.length; d++) {
                at += index[d] * t.stride()[d];
            }
            if (floats != null) {
                floats[i] = b.getFloat((int) (at * 4));
            } else {
                longs[i] = b.getLong((int) (at * 8));
            }
            for (int d = size.length - 1; d >= 0 && ++index[d] == size[d]; d--) {
                index[d] = 0;
            }
        }
        return new Tensor(dtype, size, floats, longs);
    }
}
