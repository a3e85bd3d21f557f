import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import javax.imageio.ImageIO;

/**
 * Load for bench/serve-abuse: 32 ordinary clients on /api/predict while attackers take turns (idle event streams,
 * bodies a byte every 4 s, PNGs claiming 6300x6300 pixels, a flood of feedback), with the server's threads, open
 * files and memory read from /proc before, during and 30 s after each. Loopback only; every loop is bounded.
 * Arguments: base URL, server PID, feedback CSV, its row limit, the run to follow.
 */
public class ServeAbuse {
    static String base;
    static int port;
    static long pid;
    static final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    record Sample(long threads, long fds, long rssKb, long hwmKb) {}

    static Sample sample() throws IOException {
        long threads = 0, rss = 0, hwm = 0;
        for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (l.startsWith("Threads:")) threads = Long.parseLong(l.replaceAll("\\D", ""));
            if (l.startsWith("VmRSS:")) rss = Long.parseLong(l.replaceAll("\\D", ""));
            if (l.startsWith("VmHWM:")) hwm = Long.parseLong(l.replaceAll("\\D", ""));
        }
        long fds;
        try (var s = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            fds = s.count();
        }
        return new Sample(threads, fds, rss, hwm);
    }

    /** The ordinary users: a drawing each, again and again, until told to stop. */
    static final class Ordinary {
        final List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
        final LongAdder serverErrors = new LongAdder();
        final LongAdder otherErrors = new LongAdder();
        final AtomicBoolean stop = new AtomicBoolean();
        final List<Thread> threads = new ArrayList<>();

        Ordinary(int clients, byte[] png) {
            HttpRequest req = HttpRequest.newBuilder(URI.create(base + "/api/predict")).timeout(Duration.ofSeconds(20))
                    .header("Content-Type", "image/png").POST(HttpRequest.BodyPublishers.ofByteArray(png)).build();
            for (int i = 0; i < clients; i++) {
                Thread t = new Thread(() -> {
                    while (!stop.get()) {
                        long t0 = System.nanoTime();
                        try {
                            int s = http.send(req, HttpResponse.BodyHandlers.ofString()).statusCode();
                            latencies.add(System.nanoTime() - t0);
                            if (s >= 500) serverErrors.increment();
                            else if (s != 200) otherErrors.increment();
                        } catch (IOException | InterruptedException e) {
                            latencies.add(System.nanoTime() - t0);
                            otherErrors.increment();
                        }
                    }
                });
                t.start();
                threads.add(t);
            }
        }

        void finish() throws InterruptedException {
            stop.set(true);
            for (Thread t : threads) t.join(30_000);
        }

        double p99Ms() {
            List<Long> l = new ArrayList<>(latencies);
            Collections.sort(l);
            return l.isEmpty() ? Double.NaN : l.get((int) Math.min(l.size() - 1, Math.floor(l.size() * 0.99))) / 1e6;
        }
    }

    interface Attack {
        String run() throws Exception;
    }

    static String counts(Map<String, LongAdder> m) {
        StringBuilder sb = new StringBuilder();
        new TreeMap<>(m).forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ", ").append(v.sum()).append(" x ").append(k));
        return sb.toString();
    }

    static String statusOf(String answer) {
        return answer.startsWith("HTTP/1.1 ") && answer.length() >= 12 ? answer.substring(9, 12) : answer.isEmpty() ? "closed" : "?";
    }

    /** 300 clients open the training event stream of a quiet run, read the answer's first line, then sit. */
    static String idleStreams(String run) throws Exception {
        Map<String, LongAdder> answers = new ConcurrentHashMap<>();
        List<Socket> open = new ArrayList<>();
        try {
            for (int i = 0; i < 300; i++) {
                Socket s = new Socket("127.0.0.1", port);
                open.add(s);
                s.setSoTimeout(10_000);
                s.getOutputStream().write(("GET /api/runs/events?run=" + run + " HTTP/1.1\r\nHost: 127.0.0.1:" + port
                        + "\r\nAccept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            }
            for (Socket s : open) {
                byte[] b = new byte[12];
                int n;
                try {
                    n = s.getInputStream().readNBytes(b, 0, 12);
                } catch (IOException e) {
                    n = 0;
                }
                answers.computeIfAbsent(statusOf(new String(b, 0, n, StandardCharsets.US_ASCII)), k -> new LongAdder()).increment();
            }
            Thread.sleep(20_000);
        } finally {
            for (Socket s : open) s.close(); // without a word, as a closed laptop would
        }
        return counts(answers);
    }

    /** 300 clients each send a body a byte every 4 s, starting again when cut off, for 40 s. */
    static String slowBodies() throws Exception {
        Map<String, LongAdder> answers = new ConcurrentHashMap<>();
        long end = System.nanoTime() + 40_000_000_000L;
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            Thread t = new Thread(() -> {
                while (System.nanoTime() < end) {
                    try (Socket s = new Socket("127.0.0.1", port)) {
                        s.setSoTimeout(100);
                        OutputStream out = s.getOutputStream();
                        InputStream in = s.getInputStream();
                        out.write(("POST /api/predict HTTP/1.1\r\nHost: 127.0.0.1:" + port
                                + "\r\nContent-Type: image/png\r\nContent-Length: 1000\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                        String answer = null;
                        for (int sent = 0; sent < 1000 && answer == null && System.nanoTime() < end; sent++) {
                            out.write('x');
                            out.flush();
                            for (int w = 0; w < 40 && answer == null; w++) {
                                try {
                                    byte[] b = new byte[12];
                                    int n = in.read(b);
                                    answer = n < 0 ? "" : new String(b, 0, n, StandardCharsets.US_ASCII);
                                } catch (SocketTimeoutException e) {
                                    // nothing yet: wait out the 4 s
                                }
                            }
                        }
                        answers.computeIfAbsent(answer == null ? "held to the end" : statusOf(answer), k -> new LongAdder()).increment();
                    } catch (IOException e) {
                        answers.computeIfAbsent("reset", k -> new LongAdder()).increment();
                    }
                }
            });
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) t.join();
        return counts(answers);
    }

    /** 24 clients at once send a 1-bit PNG of 6300x6300 pixels (a few KB), again and again for 20 s. */
    static String pngBombs() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(6300, 6300, BufferedImage.TYPE_BYTE_BINARY), "png", out);
        byte[] bomb = out.toByteArray();
        HttpRequest req = HttpRequest.newBuilder(URI.create(base + "/api/predict")).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "image/png").POST(HttpRequest.BodyPublishers.ofByteArray(bomb)).build();
        long end = System.nanoTime() + 20_000_000_000L;
        return hammer(req, 24, () -> System.nanoTime() < end, 2) + " (each " + bomb.length + " bytes)";
    }

    /** {@code clients} threads sending {@code req} while {@code more} says so; the answers counted by status. */
    static String hammer(HttpRequest req, int clients, java.util.function.BooleanSupplier more, int minutes)
            throws InterruptedException {
        Map<String, LongAdder> answers = new ConcurrentHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        for (int i = 0; i < clients; i++) {
            pool.submit(() -> {
                while (more.getAsBoolean()) {
                    String k;
                    try {
                        k = String.valueOf(http.send(req, HttpResponse.BodyHandlers.discarding()).statusCode());
                    } catch (IOException | InterruptedException e) {
                        k = "failed";
                    }
                    answers.computeIfAbsent(k, x -> new LongAdder()).increment();
                }
            });
        }
        pool.shutdown();
        pool.awaitTermination(minutes, TimeUnit.MINUTES);
        return counts(answers);
    }

    /** 10,000 feedback posts from 16 clients, as fast as they are answered. */
    static String feedbackFlood() throws Exception {
        StringBuilder px = new StringBuilder("[0");
        for (int i = 1; i < 784; i++) px.append(i % 29 == 0 ? ",255" : ",0");
        HttpRequest req = HttpRequest.newBuilder(URI.create(base + "/api/feedback")).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"label\": 3, \"pixels\": " + px + "]}")).build();
        AtomicLong left = new AtomicLong(10_000);
        return hammer(req, 16, () -> left.getAndDecrement() > 0, 5);
    }

    public static void main(String[] args) throws Exception {
        base = args[0];
        port = URI.create(base).getPort();
        pid = Long.parseLong(args[1]);
        Path feedback = Path.of(args[2]);
        long maxRows = Long.parseLong(args[3]);
        String run = args[4];

        BufferedImage img = new BufferedImage(280, 280, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, 280, 280);
        g.setColor(Color.BLACK);
        g.setStroke(new BasicStroke(22, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        g.drawPolyline(new int[] {80, 200, 120}, new int[] {60, 60, 230}, 3); // a 7
        g.dispose();
        ByteArrayOutputStream pngOut = new ByteArrayOutputStream();
        ImageIO.write(img, "png", pngOut);
        byte[] png = pngOut.toByteArray();

        Ordinary warm = new Ordinary(32, png);
        Thread.sleep(10_000);
        warm.finish();
        Thread.sleep(15_000); // idle threads and keep-alive connections go

        String[] names = {"300 idle event streams", "300 slow bodies (1 byte / 4 s)", "24 concurrent 6300x6300 1-bit PNGs",
                "10,000 feedback posts"};
        Attack[] attacks = {() -> idleStreams(run), ServeAbuse::slowBodies, ServeAbuse::pngBombs, ServeAbuse::feedbackFlood};
        boolean met = true;
        long peakRss = 0;
        List<String> rows = new ArrayList<>();
        for (int i = 0; i < attacks.length; i++) {
            Sample before = sample();
            AtomicBoolean sampling = new AtomicBoolean(true);
            long[] max = new long[3];
            Thread sampler = new Thread(() -> {
                while (sampling.get()) {
                    try {
                        Sample s = sample();
                        max[0] = Math.max(max[0], s.threads());
                        max[1] = Math.max(max[1], s.fds());
                        max[2] = Math.max(max[2], s.rssKb());
                        Thread.sleep(200);
                    } catch (IOException | InterruptedException e) {
                        return;
                    }
                }
            });
            sampler.start();
            Ordinary users = new Ordinary(32, png);
            Thread.sleep(2_000);
            String attackAnswers = attacks[i].run();
            users.finish();
            sampling.set(false);
            sampler.join();
            Thread.sleep(30_000);
            Sample after = sample();
            peakRss = Math.max(peakRss, Math.max(max[2], after.hwmKb()));
            double p99 = users.p99Ms();
            boolean settled = after.threads() <= before.threads() * 1.1 && after.fds() <= before.fds() * 1.1;
            met &= p99 < 1000 && users.serverErrors.sum() == 0 && settled;
            rows.add(String.format("| %s | %s | %d | %.0f ms | %d / %d | %d MB / %d MB | %d / %d / %d | %d / %d / %d |",
                    names[i], attackAnswers, users.latencies.size(), p99, users.serverErrors.sum(), users.otherErrors.sum(),
                    max[2] / 1024, after.hwmKb() / 1024, before.threads(), max[0], after.threads(), before.fds(), max[1], after.fds()));
        }
        long feedbackRows = Files.exists(feedback) ? Math.max(0, Files.readAllLines(feedback).size() - 1) : 0;
        long feedbackBytes = Files.exists(feedback) ? Files.size(feedback) : 0;
        met &= feedbackRows <= maxRows && peakRss < 2L * 1024 * 1024;

        System.out.println("| attack | attackers' answers | ordinary requests | ordinary p99 | ordinary 5xx / other failures "
                + "| server RSS: peak during / VmHWM after | threads before / peak / 30 s after | fds before / peak / 30 s after |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        rows.forEach(System.out::println);
        System.out.println();
        System.out.printf("feedback file: %d rows, %d bytes (limit %d rows)%n", feedbackRows, feedbackBytes, maxRows);
        System.out.println("goals (ordinary p99 < 1 s, no 5xx for them, RSS < 2 GB, threads and fds within 10 % after 30 s, "
                + "feedback within its limit): " + (met ? "met" : "MISSED"));
        System.exit(met ? 0 : 1);
    }
}
