package dev.digitlab.serve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.Child;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@code digitlab serve} as a process: binding every interface is allowed, but said out loud. */
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
}
