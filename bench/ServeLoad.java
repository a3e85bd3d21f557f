import dev.digitlab.data.DataFolder;
import dev.digitlab.data.Dataset;
import dev.digitlab.data.Digits;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import javax.imageio.ImageIO;

/**
 * Load for bench/serve: one drawing (a 280x280 PNG, as the page sends), sequential latency of /api/predict and of
 * /api/explain for each method, then 32 clients on /api/predict.
 */
public class ServeLoad {
    public static void main(String[] args) throws Exception {
        String url = args[0] + "/api/predict";
        int clients = Integer.parseInt(args[1]);
        int seconds = Integer.parseInt(args[2]);
        Digits test = DataFolder.load(Dataset.MNIST, DataFolder.defaultDir(Dataset.MNIST)).test();
        BufferedImage img = new BufferedImage(280, 280, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 280; y++) {
            for (int x = 0; x < 280; x++) {
                int v = 255 - test.pixel(0, y / 10, x / 10);
                img.setRGB(x, y, (v << 16) | (v << 8) | v);
            }
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(img, "png", png);
        byte[] body = png.toByteArray();
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest req = HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "image/png")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();

        for (int i = 0; i < 200; i++) { // warm-up
            http.send(req, HttpResponse.BodyHandlers.discarding());
        }
        int n = 1000;
        long[] lat = new long[n];
        int seqErrors = 0;
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            int status = http.send(req, HttpResponse.BodyHandlers.ofString()).statusCode();
            lat[i] = System.nanoTime() - t0;
            seqErrors += status == 200 ? 0 : 1;
        }
        Arrays.sort(lat);
        String[] methods = {"saliency", "gradcam", "inputxgradient", "smoothgrad", "occlusion"};
        long[][] explain = new long[methods.length][300];
        int explainErrors = 0;
        for (int m = 0; m < methods.length; m++) {
            HttpRequest ex = HttpRequest.newBuilder(URI.create(args[0] + "/api/explain?methods=" + methods[m]))
                    .header("Content-Type", "image/png").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
            for (int i = 0; i < 50; i++) { // warm-up
                http.send(ex, HttpResponse.BodyHandlers.discarding());
            }
            for (int i = 0; i < explain[m].length; i++) {
                long t0 = System.nanoTime();
                int status = http.send(ex, HttpResponse.BodyHandlers.ofString()).statusCode();
                explain[m][i] = System.nanoTime() - t0;
                explainErrors += status == 200 ? 0 : 1;
            }
            Arrays.sort(explain[m]);
        }

        AtomicLong ok = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        Thread[] threads = new Thread[clients];
        for (int t = 0; t < clients; t++) {
            threads[t] = new Thread(() -> {
                while (System.nanoTime() < end) {
                    try {
                        int s = http.send(req, HttpResponse.BodyHandlers.ofString()).statusCode();
                        (s == 200 ? ok : errors).incrementAndGet();
                    } catch (Exception e) {
                        errors.incrementAndGet();
                    }
                }
            });
            threads[t].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        System.out.println("| measure | value |");
        System.out.println("|---|---|");
        System.out.printf("| /api/predict, one 280x280 PNG drawing, sequential: p50 | %.2f ms |%n", lat[n / 2] / 1e6);
        System.out.printf("| p99 | %.2f ms |%n", lat[(int) (n * 0.99)] / 1e6);
        System.out.printf("| sequential errors (of %d) | %d |%n", n, seqErrors);
        for (int m = 0; m < methods.length; m++) {
            System.out.printf("| /api/explain, %s, sequential: p50 / p99 | %.2f / %.2f ms |%n", methods[m],
                    explain[m][150] / 1e6, explain[m][297] / 1e6);
        }
        System.out.printf("| /api/explain errors (of %d) | %d |%n", 300 * methods.length, explainErrors);
        System.out.printf("| %d clients for %d s: throughput | %.0f requests/s |%n", clients, seconds, ok.get() / (double) seconds);
        System.out.printf("| %d clients: errors (non-200 or failed) | %d |%n", clients, errors.get());
        System.exit(errors.get() == 0 && seqErrors == 0 && explainErrors == 0 ? 0 : 1);
    }
}
