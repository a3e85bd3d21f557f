package dev.digitlab.serve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.ServerUnderTest;
import dev.digitlab.ServerUnderTest.Answer;
import io.javalin.Javalin;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Requests that cost the server more than they cost the client: a body sent a byte at a time, a small PNG that
 * claims a huge picture, many large pictures at once, and a handler that runs out of memory or stack.
 */
class ResourceAbuseTest {
    @TempDir
    static Path tmp;
    static ServerUnderTest server;
    static int port;

    @BeforeAll
    static void start() {
        server = ServerUnderTest.start(new Server(new ModelPool(List.of(Path.of("models", "lenet5")), 1), tmp.resolve("f.csv")));
        port = server.port();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static byte[] png(BufferedImage img) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    /** Black ink on white, a thick stroke down the middle: a 1. */
    static BufferedImage one(int side, int type) {
        BufferedImage img = new BufferedImage(side, side, type);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, side, side);
        g.setColor(Color.BLACK);
        g.fillRect(side * 45 / 100, side / 10, side / 10, side * 8 / 10);
        g.dispose();
        return img;
    }

    static Answer postPng(byte[] body) {
        return server.post("/api/predict", "image/png", body);
    }

    @Test
    void aBodyTricklingInIsCutOffWith408BeforeItEnds() throws Exception {
        int length = 40;
        int sent = 0;
        String answer = "";
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(100);
            OutputStream out = s.getOutputStream();
            out.write(("POST /api/predict HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nContent-Type: image/png\r\nContent-Length: "
                    + length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            while (sent < length && answer.isEmpty()) {
                out.write('x');
                out.flush();
                sent++;
                for (int wait = 0; wait < 15 && answer.isEmpty(); wait++) { // a byte every 1.5 s
                    try {
                        byte[] b = new byte[4096];
                        int n = in.read(b);
                        answer = n < 0 ? "closed" : new String(b, 0, n, StandardCharsets.UTF_8);
                    } catch (java.net.SocketTimeoutException e) {
                        // nothing yet
                    }
                }
            }
        }
        assertThat(sent).as("the server gave up before the body was complete").isLessThan(length);
        assertThat(answer).startsWith("HTTP/1.1 408").contains("{\"error\":\"Request content data rate");
        assertThat(server.get("/healthz").status()).isEqualTo(200);
    }

    @Test
    void aSmallPngClaimingAHugePictureIsRefusedFromItsHeader() throws Exception {
        byte[] bomb = png(new BufferedImage(6300, 6300, BufferedImage.TYPE_BYTE_BINARY));
        assertThat(bomb.length).as("a few KB on the wire").isLessThan(20_000);
        Answer a = postPng(bomb);
        assertThat(a.status()).isEqualTo(400);
        assertThat(a.error()).isEqualTo("the request body: image of 6300x6300 pixels is too large (at most 4096x4096)");
    }

    @Test
    void aLargeAllowedPictureIsReadSubsampledAndStillRecognised() throws Exception {
        Answer a = postPng(png(one(4000, BufferedImage.TYPE_BYTE_BINARY)));
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        assertThat(a.json().get("label").asInt()).isEqualTo(1);
    }

    @Test
    void manyLargePicturesAtOnceGetAnswersOr503sNeverEmpty500s() throws Exception {
        byte[] big = png(one(4000, BufferedImage.TYPE_BYTE_BINARY));
        ExecutorService pool = Executors.newFixedThreadPool(24);
        try {
            List<Future<Answer>> answers = new ArrayList<>();
            for (int i = 0; i < 24; i++) {
                answers.add(pool.submit(() -> postPng(big)));
            }
            int ok = 0;
            for (Future<Answer> f : answers) {
                Answer a = f.get();
                assertThat(a.status()).as(a.body()).isIn(200, 503);
                if (a.status() == 503) {
                    assertThat(a.error()).isEqualTo("busy decoding other images; try again in a moment");
                } else {
                    ok++;
                    assertThat(a.json().get("label").asInt()).isEqualTo(1);
                }
            }
            assertThat(ok).isPositive();
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aHandlerOutOfMemoryOrStackGetsAJsonAnswerAndOneLine() throws Exception {
        SameOrigin origin = new SameOrigin(List.of());
        Javalin app = HttpSetup.create(Limits.DEFAULT, origin);
        app.get("/oom", ctx -> {
            throw new OutOfMemoryError("Java heap space");
        });
        app.get("/deep", ctx -> {
            throw new StackOverflowError();
        });
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try {
            app.start("127.0.0.1", 0);
            origin.listening("127.0.0.1", app.port());
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            Answer oom = RawHttp.get(app.port(), "/oom", "127.0.0.1:" + app.port());
            Answer deep = RawHttp.get(app.port(), "/deep", "127.0.0.1:" + app.port());
            assertThat(oom.status()).isEqualTo(503);
            assertThat(oom.error()).isEqualTo("out of memory; try again later");
            assertThat(deep.status()).isEqualTo(500);
            assertThat(deep.error()).isEqualTo("internal error");
        } finally {
            System.setErr(err);
            app.stop();
        }
        assertThat(captured.toString(StandardCharsets.UTF_8).lines().toList()).containsExactly(
                "digitlab: OutOfMemoryError while answering a request (Java heap space); answered 503",
                "digitlab: StackOverflowError while answering a request (no detail); answered 500");
    }
}
