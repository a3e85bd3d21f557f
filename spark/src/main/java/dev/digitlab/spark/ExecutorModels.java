package dev.digitlab.spark;

import ai.djl.pytorch.jni.JniUtils;
import dev.digitlab.DigitlabException;
import dev.digitlab.api.Classifier;
import dev.digitlab.model.LibTorch;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.apache.spark.SparkContext;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * How a model folder reaches the executors and is loaded there once per JVM. The driver zips the folder and broadcasts
 * the bytes (SparkContext.addFile refuses local folders on a cluster, and Spark 4 keeps a session's added files apart
 * from SparkFiles' root, so a broadcast is the one way that works the same on every cluster manager). Each executor JVM
 * unpacks the zip into a temporary folder on the first task that needs it; every later task and partition in that JVM
 * shares the loaded Classifier (an executor's concurrent tasks, like local mode's, are threads of one JVM, and a
 * Classifier may be shared: ClassifierThreadsTest). The unpacked folders are deleted, contents and all, when the JVM
 * exits ({@code deleteOnExit} skips a folder that is not empty, so executors used to leave one per model behind in
 * their temporary directory).
 */
final class ExecutorModels {
    private static final Map<String, Classifier> LOADED = new ConcurrentHashMap<>();
    private static final Set<Path> UNPACKED = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(ExecutorModels::deleteUnpacked, "digitlab-unpacked-models"));
    }

    private ExecutorModels() {}

    /** A model folder as the executors receive it: its zip, broadcast once, and a key naming its contents. */
    record Shipped(String key, Broadcast<byte[]> zip) implements Serializable {}

    /** On the driver: zips the model folder and broadcasts it. */
    static Shipped ship(SparkContext sc, Path model) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(bytes); Stream<Path> files = Files.walk(model)) {
            for (Path p : (Iterable<Path>) files.filter(Files::isRegularFile).sorted()::iterator) {
                ZipEntry e = new ZipEntry(model.relativize(p).toString().replace('\\', '/'));
                e.setTime(0); // the same folder, the same bytes, the same key
                z.putNextEntry(e);
                Files.copy(p, z);
                z.closeEntry();
            }
        }
        byte[] zip = bytes.toByteArray();
        String key = model.getFileName() + "-" + HexFormat.of().formatHex(sha256(zip), 0, 8);
        return new Shipped(key, JavaSparkContext.fromSparkContext(sc).broadcast(zip));
    }

    /** On an executor: the shipped model, unpacked and loaded on first use in this JVM. */
    static Classifier get(Shipped model) {
        TaskContext task = TaskContext.get();
        threads(task == null ? 1 : Math.max(1, task.cpus()));
        return LOADED.computeIfAbsent(model.key(), k -> {
            Path into = null;
            try {
                into = Files.createTempDirectory("digitlab-" + k);
                return Classifier.load(unzip(model.zip().value(), into));
            } catch (IOException e) {
                deleteTree(into);
                throw new UncheckedIOException(e);
            } catch (RuntimeException e) { // a model refused here is not kept for the JVM's lifetime
                deleteTree(into);
                throw e;
            }
        });
    }

    /** Unpacks into {@code into}; an entry that would land outside it is refused. */
    static Path unzip(byte[] zip, Path into) throws IOException {
        UNPACKED.add(into);
        try (ZipInputStream z = new ZipInputStream(new ByteArrayInputStream(zip))) {
            for (ZipEntry e; (e = z.getNextEntry()) != null; ) {
                Path target = into.resolve(e.getName()).normalize();
                if (!target.startsWith(into)) {
                    throw new DigitlabException("model zip: entry '" + e.getName() + "' points outside the model folder");
                }
                if (e.isDirectory()) {
                    continue;
                }
                Files.createDirectories(target.getParent());
                try (OutputStream out = Files.newOutputStream(target)) {
                    z.transferTo(out);
                }
            }
        }
        return into;
    }

    /** Deletes every folder this JVM unpacked (the shutdown hook; tests call it directly). */
    static void deleteUnpacked() {
        UNPACKED.forEach(ExecutorModels::deleteTree);
    }

    private static void deleteTree(Path root) {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : (Iterable<Path>) all.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
            UNPACKED.remove(root);
        } catch (IOException | UncheckedIOException e) {
            // at exit, nothing is left to report to; a folder that cannot be deleted stays, as before
        }
    }

    private static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * libtorch's threads for the calling thread: {@code cores}, so that parallel tasks do not fight over the cores.
     * libtorch keeps the count per calling thread (OpenMP's), so every task sets it in its own thread.
     */
    static void threads(int cores) {
        LibTorch.configure(); // loads libtorch first
        JniUtils.setNumThreads(cores);
    }
}
