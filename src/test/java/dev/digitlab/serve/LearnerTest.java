package dev.digitlab.serve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.ServerUnderTest;
import dev.digitlab.TestData;
import dev.digitlab.train.LearnConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.StringJoiner;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * serve --learn with feedback it cannot learn from: the learn fails once, says why, and is not tried again until
 * another --learn-every rows have come; the live model stays.
 */
class LearnerTest {
    @TempDir
    Path dir;

    @Test
    void aLearnThatFailsWaitsForMoreRowsBeforeTheNextTry() throws Exception {
        ModelVersions versions = ModelVersions.open(dir.resolve("versions"), Path.of("models", "lenet5"));
        List<String> log = new CopyOnWriteArrayList<>();
        AtomicInteger dataLoads = new AtomicInteger();
        try (ServerUnderTest server = ServerUnderTest.start(new Server(new ModelPool("lenet5", versions.livePath(), 1),
                dir.resolve("feedback.csv")).learning("lenet5", versions, () -> {
                    dataLoads.incrementAndGet();
                    return TestData.mnist();
                }, 10, LearnConfig.DEFAULT, log::add))) {
            send(server, 10, 0); // ten copies of one drawing: one usable row
            waitForLines(log, 1);
            send(server, 9, 1); // nine more copies of another: not yet ten rows since the failed try
            Thread.sleep(1500);
            assertThat(failures(log)).hasSize(1);
            send(server, 1, 1); // the tenth: a second try, which fails the same way
            waitForLines(log, 2);
            assertThat(failures(log)).hasSize(2).allSatisfy(l -> assertThat(l).contains("learn needs 10 or more"));
            assertThat(dataLoads).as("the feedback is refused before MNIST is read").hasValue(0);
            assertThat(versions.live()).isEqualTo("v1");
            assertThat(versions.versions()).hasSize(1);
        }
    }

    private static List<String> failures(List<String> log) {
        return log.stream().filter(l -> l.contains("the last learn failed")).toList();
    }

    private static void waitForLines(List<String> log, int n) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 30_000;
        while (failures(log).size() < n && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        assertThat(failures(log)).as(String.join("\n", log)).hasSize(n);
    }

    /** {@code copies} posts of MNIST test image {@code image}, labelled as it is. */
    private static void send(ServerUnderTest server, int copies, int image) {
        var test = TestData.mnist().test();
        StringJoiner pixels = new StringJoiner(",", "[", "]");
        for (byte b : test.image(image)) {
            pixels.add(String.valueOf(b & 0xff));
        }
        String body = "{\"label\": " + test.label(image) + ", \"pixels\": " + pixels + "}";
        for (int i = 0; i < copies; i++) {
            server.postJson("/api/feedback", body).expect(200);
        }
    }
}
