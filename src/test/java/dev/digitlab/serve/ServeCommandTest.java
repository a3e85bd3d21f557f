package dev.digitlab.serve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.Child;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code digitlab serve} as a process: binding every interface is allowed, but said out loud; the names it answers
 * to and its feedback limit come from the command line.
 */
class ServeCommandTest {
    @Test
    void bindingEveryInterfacePrintsAWarning() throws Exception {
        Process p = new ProcessBuilder(Child.command("serve", "--model", "models/lenet5", "--host", "0.0.0.0", "--port", "0"))
                .redirectErrorStream(true).start();
        List<String> lines = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
            for (String line; (line = out.readLine()) != null; ) {
                lines.add(line);
                if (line.contains("digitlab is serving")) {
                    break;
                }
            }
        } finally {
            p.destroy();
            p.waitFor(20, TimeUnit.SECONDS);
        }
        assertThat(lines).as(String.join("\n", lines))
                .contains("digitlab: warning: --host 0.0.0.0 makes the server reachable from other machines")
                .anySatisfy(l -> assertThat(l).startsWith("digitlab is serving [lenet5] at http://0.0.0.0:"));
    }

    @Test
    void allowedHostsAndTheFeedbackLimitReachTheServer() throws Exception {
        Process p = new ProcessBuilder(Child.command("serve", "--model", "models/lenet5", "--port", "0", "--allowed-host",
                "digits.example", "--feedback-max-rows", "0", "--feedback", System.getProperty("java.io.tmpdir") + "/never.csv"))
                .redirectErrorStream(true).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
            int port = -1;
            for (String line; port < 0 && (line = out.readLine()) != null; ) {
                Matcher m = Pattern.compile("at http://127\\.0\\.0\\.1:(\\d+)/").matcher(line);
                if (m.find()) {
                    port = Integer.parseInt(m.group(1));
                }
            }
            assertThat(port).as("the server said where it listens").isPositive();
            assertThat(RawHttp.get(port, "/healthz", "digits.example").status()).isEqualTo(200);
            assertThat(RawHttp.get(port, "/healthz", "other.example:" + port).status()).isEqualTo(421);
            RawHttp.Answer full = RawHttp.post(port, "/api/feedback", "127.0.0.1:" + port, "application/json",
                    "{\"label\": 1, \"pixels\": [" + "0,".repeat(783) + "0]}");
            assertThat(full.status()).isEqualTo(507);
            assertThat(full.error()).contains("holds 0 rows");
        } finally {
            p.destroy();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
            }
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
