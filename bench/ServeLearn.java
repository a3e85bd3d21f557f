import dev.digitlab.data.DataFolder;
import dev.digitlab.data.Dataset;
import dev.digitlab.data.Digits;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Load for bench/serve-learn: CLIENTS clients call /api/predict without pause while the feedback CSV's rows are sent
 * to /api/feedback, which starts a learn on the server; once a new version is listed (and, if promoted, swapped in),
 * the clients go on for 10 s more. Prints each phase's requests, failures and latency, and the learn's verdict.
 * Usage: java -cp ... bench/ServeLearn.java URL FEEDBACK_CSV CLIENTS
 */
public class ServeLearn {
    record Call(long start, long nanos, int status) {}

    public static void main(String[] args) throws Exception {
        String url = args[0];
        List<String> rows = Files.readAllLines(Path.of(args[1]));
        int clients = Integer.parseInt(args[2]);
        Digits test = DataFolder.load(Dataset.MNIST, DataFolder.defaultDir(Dataset.MNIST)).test();
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        ConcurrentLinkedQueue<Call> calls = new ConcurrentLinkedQueue<>();
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            StringJoiner pixels = new StringJoiner(",", "{\"pixels\": [", "]}");
            for (byte b : test.image(c)) {
                pixels.add(String.valueOf(b & 0xff));
            }
            HttpRequest req = HttpRequest.newBuilder(URI.create(url + "/api/predict")).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(pixels.toString())).build();
            Thread t = new Thread(() -> {
                while (!stop.get()) {
                    long t0 = System.nanoTime();
                    int status;
                    try {
                        status = http.send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
                    } catch (Exception e) {
                        status = -1;
                    }
                    calls.add(new Call(t0, System.nanoTime() - t0, status));
                }
            });
            t.start();
            threads.add(t);
        }
        Thread.sleep(10_000);
        long feedbackStart = System.nanoTime();
        for (String row : rows.subList(1, rows.size())) {
            int comma = row.indexOf(',');
            HttpRequest fb = HttpRequest.newBuilder(URI.create(url + "/api/feedback")).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"label\": " + row.substring(0, comma) + ", \"pixels\": ["
                            + row.substring(comma + 1) + "]}")).build();
            int s = http.send(fb, HttpResponse.BodyHandlers.discarding()).statusCode();
            if (s != 200) {
                throw new IllegalStateException("feedback answered " + s);
            }
        }
        HttpRequest models = HttpRequest.newBuilder(URI.create(url + "/api/models")).GET().build();
        String listing;
        do {
            Thread.sleep(200);
            listing = http.send(models, HttpResponse.BodyHandlers.ofString()).body();
        } while (!listing.contains("\"v2\""));
        long learnt = System.nanoTime();
        Thread.sleep(10_000);
        stop.set(true);
        for (Thread t : threads) {
            t.join();
        }
        System.out.println("| phase | seconds | requests | failed or not 200 | p50 | p99 |");
        System.out.println("|---|---|---|---|---|---|");
        phase("before feedback", calls, 0, feedbackStart);
        phase("feedback sent, learning, swap", calls, feedbackStart, learnt);
        phase("after the swap", calls, learnt, Long.MAX_VALUE);
        System.out.println();
        int live = listing.indexOf("\"version\":\"");
        System.out.println("live after the learn: " + listing.substring(live + 11, listing.indexOf('"', live + 11))
                + "; learn (from the first feedback row to v2 listed): " + String.format("%.0f s", (learnt - feedbackStart) / 1e9));
        long failed = calls.stream().filter(c -> c.status() != 200).count();
        System.exit(failed == 0 ? 0 : 1);
    }

    static void phase(String name, ConcurrentLinkedQueue<Call> calls, long from, long to) {
        List<Call> in = calls.stream().filter(c -> c.start() >= from && c.start() < to).toList();
        long[] lat = in.stream().mapToLong(Call::nanos).sorted().toArray();
        long first = in.stream().mapToLong(Call::start).min().orElse(0);
        long last = in.stream().mapToLong(c -> c.start() + c.nanos()).max().orElse(0);
        System.out.printf("| %s | %.0f | %d | %d | %.1f ms | %.1f ms |%n", name, (last - first) / 1e9, in.size(),
                in.stream().filter(c -> c.status() != 200).count(), lat.length == 0 ? 0 : lat[lat.length / 2] / 1e6,
                lat.length == 0 ? 0 : lat[(int) (lat.length * 0.99)] / 1e6);
    }
}
