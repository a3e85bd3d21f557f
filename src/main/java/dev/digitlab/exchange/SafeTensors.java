package dev.digitlab.exchange;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.digitlab.AtomicFiles;
import dev.digitlab.DigitlabException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The safetensors format (Hugging Face): an 8-byte little-endian header length, a JSON header naming each tensor's
 * dtype, shape and byte range, then the bytes. Reading checks the header's length, every range and every size against
 * the file before a tensor is allocated; no code or object is ever loaded from it.
 */
public final class SafeTensors {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MAX_HEADER = 100L << 20;
    private static final Map<String, String> DTYPES = Map.of("F32", Tensor.F32, "I64", Tensor.I64, "F64", "float64",
            "F16", "float16", "BF16", "bfloat16", "I32", "int32", "U8", "uint8", "I8", "int8", "BOOL", "bool");
    private static final Map<String, Integer> WIDTHS = Map.of("F32", 4, "I64", 8, "F64", 8, "F16", 2, "BF16", 2,
            "I32", 4, "U8", 1, "I8", 1, "BOOL", 1);

    private SafeTensors() {}

    /**
     * The tensors of {@code file} in the order of their names with digits compared as numbers ({@code features.2}
     * before {@code features.10}): the format keeps no module order, and that is the order a module's layers are
     * usually numbered in.
     */
    public static StateDict read(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            long size = Files.size(file);
            byte[] len = in.readNBytes(8);
            if (len.length < 8) {
                throw new DigitlabException(file + ": shorter than a safetensors header");
            }
            long headerSize = ByteBuffer.wrap(len).order(ByteOrder.LITTLE_ENDIAN).getLong();
            if (headerSize <= 1 || headerSize > MAX_HEADER || headerSize > size - 8) {
                throw new DigitlabException(file + ": header length " + headerSize + " does not fit a file of " + size
                        + " bytes; not a safetensors file");
            }
            JsonNode header;
            try {
                header = JSON.readTree(new String(in.readNBytes((int) headerSize), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new DigitlabException(file + ": safetensors header is not JSON (" + Limits.brief(e.getMessage().lines().findFirst().orElse("")) + ")");
            }
            if (header == null || !header.isObject()) {
                throw new DigitlabException(file + ": safetensors header is not a JSON object");
            }
            long data = size - 8 - headerSize;
            if (data > Limits.STORAGE_BYTES) {
                throw new DigitlabException(file + ": " + data + " bytes of tensor data, more than digitlab reads from one file ("
                        + Limits.STORAGE_BYTES + ")");
            }
            Limits limits = new Limits(file);
            List<String> names = new ArrayList<>();
            header.fieldNames().forEachRemaining(n -> {
                if (!n.equals("__metadata__")) {
                    names.add(Limits.name(file, n));
                }
            });
            names.sort(NATURAL);
            record Range(String name, String dtype, long[] shape, long begin, long end) {}
            List<Range> ranges = new ArrayList<>();
            for (String name : names) {
                JsonNode t = header.get(name);
                String dtype = t.path("dtype").asText();
                JsonNode offsets = t.path("data_offsets");
                if (!WIDTHS.containsKey(dtype) || !t.path("shape").isArray() || !offsets.isArray() || offsets.size() != 2) {
                    throw new DigitlabException(file + ": tensor " + Limits.brief(name) + " has no valid dtype, shape or data_offsets");
                }
                if (t.get("shape").size() > Limits.DIMENSIONS) {
                    throw new DigitlabException(file + ": tensor " + Limits.brief(name) + " has " + t.get("shape").size() + " dimensions");
                }
                long[] shape = new long[t.get("shape").size()];
                long count = 1;
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = t.get("shape").get(i).asLong(-1);
                    if (shape[i] < 0) {
                        throw new DigitlabException(file + ": tensor " + Limits.brief(name) + " has a negative dimension");
                    }
                    count = Math.multiplyExact(count, shape[i]);
                }
                long begin = offsets.get(0).asLong(-1);
                long end = offsets.get(1).asLong(-1);
                if (begin < 0 || end < begin || end > data || end - begin != Math.multiplyExact(count, (long) WIDTHS.get(dtype))) {
                    throw new DigitlabException(file + ": tensor " + Limits.brief(name) + " claims bytes " + begin + "-" + end + " for "
                            + count + " " + dtype + " values, but the file holds " + data + " bytes of data");
                }
                // ranges may overlap: each tensor is made on its own, so the sum is what counts
                limits.elements("tensor " + name, count);
                ranges.add(new Range(name, dtype, shape, begin, end));
            }
            byte[] bytes = in.readNBytes((int) Math.min(data, Integer.MAX_VALUE - 8));
            if (bytes.length != data) {
                throw new DigitlabException(file + ": truncated");
            }
            ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            LinkedHashMap<String, Tensor> tensors = new LinkedHashMap<>();
            for (Range r : ranges) {
                int n = (int) ((r.end - r.begin) / WIDTHS.get(r.dtype));
                String dtype = DTYPES.get(r.dtype);
                if (dtype.equals(Tensor.F32)) {
                    float[] v = new float[n];
                    b.position((int) r.begin);
                    b.asFloatBuffer().get(v);
                    tensors.put(r.name, new Tensor(dtype, r.shape, v, null));
                } else if (dtype.equals(Tensor.I64)) {
                    long[] v = new long[n];
                    b.position((int) r.begin);
                    b.asLongBuffer().get(v);
                    tensors.put(r.name, new Tensor(dtype, r.shape, null, v));
                } else {
                    tensors.put(r.name, new Tensor(dtype, r.shape, null, null));
                }
            }
            Map<String, String> metadata = new LinkedHashMap<>();
            JsonNode meta = header.get("__metadata__");
            if (meta != null && meta.isObject()) {
                meta.fields().forEachRemaining(e -> {
                    if (e.getValue().isTextual()) {
                        metadata.put(e.getKey(), e.getValue().asText());
                    }
                });
            }
            return new StateDict(tensors, "safetensors", metadata);
        } catch (IOException e) {
            throw new DigitlabException(file + ": cannot read (" + e.getMessage() + ")");
        } catch (ArithmeticException e) {
            throw new DigitlabException(file + ": a tensor claims more values than a file can hold");
        }
    }

    /** Writes float32 and int64 tensors (in the given order) with string metadata, atomically. */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) {
        ObjectNode header = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            ObjectNode t = header.putObject(e.getKey());
            boolean longs = Tensor.I64.equals(e.getValue().dtype());
            t.put("dtype", longs ? "I64" : "F32");
            var shape = t.putArray("shape");
            for (long d : e.getValue().shape()) {
                shape.add(d);
            }
            long bytes = longs ? 8L * e.getValue().longs().length : 4L * e.getValue().floats().length;
            t.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(header);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        int padded = (json.length + 7) / 8 * 8; // the reference writer pads the header with spaces to 8 bytes
        ByteBuffer out = ByteBuffer.allocate((int) (8 + padded + offset)).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(padded).put(json);
        for (int i = json.length; i < padded; i++) {
            out.put((byte) ' ');
        }
        for (Tensor t : tensors.values()) {
            if (Tensor.I64.equals(t.dtype())) {
                for (long v : t.longs()) {
                    out.putLong(v);
                }
            } else {
                for (float v : t.floats()) {
                    out.putFloat(v);
                }
            }
        }
        AtomicFiles.write(file, o -> o.write(out.array()));
    }

    /** Names compared piece by piece, runs of digits as numbers. */
    static final Comparator<String> NATURAL = (a, b) -> {
        Iterator<String> x = pieces(a).iterator();
        Iterator<String> y = pieces(b).iterator();
        while (x.hasNext() && y.hasNext()) {
            String p = x.next();
            String q = y.next();
            boolean numbers = isAsciiDigit(p.charAt(0)) && isAsciiDigit(q.charAt(0)); // what the split took as digits
            int c = numbers ? compareDigits(p, q) : p.compareTo(q);
            if (c != 0) {
                return c;
            }
        }
        return Boolean.compare(x.hasNext(), y.hasNext());
    };

    /** Runs of digits as numbers, in linear time (a header's names may hold millions of digits). */
    private static int compareDigits(String p, String q) {
        String a = p.replaceFirst("^0+(?=.)", "");
        String b = q.replaceFirst("^0+(?=.)", "");
        return a.length() != b.length() ? Integer.compare(a.length(), b.length()) : a.compareTo(b);
    }

        private static List<String> pieces(String s) {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("\\d+|\\D+").matcher(s);
        while (m.find()) {
            out.add(m.group());
        }
        return out;
    }

    private static boolean isAsciiDigit(char c) {
        return c >= '0' && c <= '9';
    }
}
