package dev.digitlab.serve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.Child;
import dev.digitlab.ServerUnderTest;
import dev.digitlab.ServerUnderTest.Answer;
import dev.digitlab.Slow;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code digitlab serve} as a process: binding every interface is allowed, but said out loud; the names it answers
 * to and its feedback limit come from the command line.
 */
@Slow // serve as child JVMs
class ServeCommandTest {
    @Test
    void bindingEveryInterfacePrintsAWarning() throws Exception {
        try (ServerUnderTest serve = ServerUnderTest.child("serve", "--model", "models/lenet5", "--host", "0.0.0.0", "--port", "0")) {
            List<String> lines = serve.output();
            assertThat(lines).as(String.join("\n", lines))
                    .contains("digitlab: warning: --host 0.0.0.0 makes the server reachable from other machines")
                    .anySatisfy(l -> assertThat(l).startsWith("digitlab is serving [lenet5] at http://0.0.0.0:"));
        }
    }

    @Test
    void allowedHostsAndTheFeedbackLimitReachTheServer() throws Exception {
        try (ServerUnderTest serve = ServerUnderTest.child("serve", "--model", "models/lenet5", "--port", "0", "--allowed-host",
                "digits.example", "--feedback-max-rows", "0", "--feedback", System.getProperty("java.io.tmpdir") + "/never.csv")) {
            int port = serve.port();
            assertThat(RawHttp.get(port, "/healthz", "digits.example").status()).isEqualTo(200);
            assertThat(RawHttp.get(port, "/healthz", "other.example:" + port).status()).isEqualTo(421);
            Answer full = RawHttp.post(port, "/api/feedback", "127.0.0.1:" + port, "application/json",
                    "{\"label\": 1, \"pixels\": [" + "0,".repeat(783) + "0]}");
            assertThat(full.status()).isEqualTo(507);
            assertThat(full.error()).contains("holds 0 rows");
        }
    }

    @Test
    void badLimitsAreRefusedWithOneLine() throws Exception {
        Process p = new ProcessBuilder(Child.command("serve", "--model", "models/lenet5", "--port", "0", "--max-event-streams", "0"))
                .redirectErrorStream(true).start();
        try {
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            String out = new String(p.getInputStream().readAllBytes()).strip();
            assertThat(out).isEqualTo("digitlab: error: --max-event-streams must be 1-10000, got 0");
            assertThat(p.exitValue()).isNotZero();
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void anAllowedHostWithAPortIsRefusedWithOneLine() throws Exception {
        Process p = new ProcessBuilder(Child.command("serve", "--model", "models/lenet5", "--port", "0", "--allowed-host",
                "digits.example:8080")).redirectErrorStream(true).start();
        try {
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            String out = new String(p.getInputStream().readAllBytes()).strip();
            assertThat(out).isEqualTo("digitlab: error: --allowed-host takes a host name or address without a port, got "
                    + "'digits.example:8080'");
            assertThat(p.exitValue()).isNotZero();
        } finally {
            p.destroyForcibly();
        }
    }
}
