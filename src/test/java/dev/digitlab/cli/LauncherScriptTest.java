package dev.digitlab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.Slow;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the {@code ./digitlab} launcher hands the JVM, seen by a stand-in {@code java} first on the PATH: the allocator
 * settings and JIT choice training runs with (docs/PERFORMANCE.md), and what the servers keep.
 */
class LauncherScriptTest {
    @TempDir
    Path dir;

    /** What the stand-in java saw: its environment's malloc settings, then its arguments. */
    String launch(String... args) throws Exception {
        Path java = dir.resolve("java");
        Files.writeString(java, "#!/usr/bin/env bash\necho \"arena=${MALLOC_ARENA_MAX:-unset} mmap=${MALLOC_MMAP_THRESHOLD_:-unset} args=$*\"\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path jar = Files.createFile(dir.resolve("digitlab.jar")); // DIGITLAB_JAR: run as it is, never build
        List<String> cmd = new ArrayList<>(List.of(Path.of("digitlab").toAbsolutePath().toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("PATH", dir + ":" + System.getenv("PATH"));
        pb.environment().put("DIGITLAB_JAR", jar.toString());
        pb.environment().remove("MALLOC_ARENA_MAX");
        pb.environment().remove("DIGITLAB_JAVA_OPTS");
        Process p = pb.start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        Files.delete(jar);
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    }

    @Test
    void trainingRunsWithOneMallocArenaAndServersWithGlibcsDefault() throws Exception {
        assertThat(launch("train", "--epochs", "1")).startsWith("arena=1 mmap=33554432 ").endsWith("train --epochs 1");
        assertThat(launch("experiment", "--grid", "lr=1e-3")).startsWith("arena=1 ");
        assertThat(launch("learn", "--model", "m")).startsWith("arena=1 ").doesNotContain("TieredStopAtLevel");
        assertThat(launch("serve")).startsWith("arena=unset mmap=33554432 ").doesNotContain("TieredStopAtLevel");
        boolean small = Runtime.getRuntime().availableProcessors() <= 4;
        assertThat(launch("train").contains("-XX:TieredStopAtLevel=1")).as("C1 on small machines only").isEqualTo(small);
    }

    /**
     * macOS ships bash 3.2: the launchers use nothing newer (no case conversion, associative arrays, mapfile, namerefs,
     * coprocesses, |& or ;;&), and no GNU-only tool the launcher cannot do without.
     */
    @Test
    void theLaunchersRunOnTheBashThatMacOsShips() throws Exception {
        for (String script : List.of("digitlab", "run-tests")) {
            List<String> lines = Files.readAllLines(Path.of(script));
            for (int i = 0; i < lines.size(); i++) {
                String code = lines.get(i).replaceAll("(^|\\s)#.*$", "");
                assertThat(code).as("%s:%d uses bash 4+: %s", script, i + 1, lines.get(i))
                        .doesNotContainPattern("\\$\\{[^}]*(,,|\\^\\^)")
                        .doesNotContainPattern("\\b(mapfile|readarray|coproc)\\b")
                        .doesNotContainPattern("\\b(declare|typeset|local)\\s+-[a-zA-Z]*[An]")
                        .doesNotContain("|&").doesNotContain(";;&");
            }
        }
    }

    /** {@code ./run-tests --fast} leaves out by its tag what {@link Slow} marks, before anything is installed. */
    @Test
    void theFastRunLeavesOutTheTestsTaggedSlow() throws Exception {
        String script = Files.readString(Path.of("run-tests"));
        assertThat(script).contains("-DexcludedGroups=" + Slow.TAG);
        assertThat(script.indexOf("--fast")).as("--fast is handled before the installs").isLessThan(script.indexOf("apt-get"));
    }

    /** digitlab.cmd, the Windows launcher, starts the JVM as ./digitlab does and keeps Windows line ends. */
    @Test
    void theWindowsLauncherGivesTheSameJavaOptions() throws Exception {
        String cmd = Files.readString(Path.of("digitlab.cmd"));
        assertThat(cmd.replace("\r\n", "")).as("every line ends in CRLF").doesNotContain("\n");
        String java = cmd.lines().filter(l -> l.startsWith("java ")).findFirst().orElseThrow();
        String bash = Files.readAllLines(Path.of("digitlab")).stream().filter(l -> l.startsWith("exec java $jit")).findFirst().orElseThrow();
        for (String option : List.of("DIGITLAB_JAVA_OPTS", "-Dai.djl.offline=true", "-Ddigitlab.home=", "-jar")) {
            assertThat(bash).contains(option);
            assertThat(java).contains(option);
        }
        assertThat(cmd).contains("call mvnw.cmd -B -q -DskipTests package");
    }
}
