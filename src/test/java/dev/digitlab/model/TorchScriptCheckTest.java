package dev.digitlab.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.digitlab.DigitlabException;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The operator check on real exports (interop/torchscript_fixtures.py) and on code written to slip past it. */
class TorchScriptCheckTest {
    static final Path FIXTURES = Path.of("src/test/resources/interop");

    @ParameterizedTest
    @ValueSource(strings = {"lenet5-script.pt", "script-cnn-traced.pt", "script-cnn-scripted.pt"})
    void realExportsOfCnnsPass(String file) {
        TorchScriptCheck.check(FIXTURES.resolve(file), "advice");
    }

    /** The write-ups' own models, scripted and traced by PyTorch 2.13: Sequentials, getattr(self, "0"), .view. */
    @ParameterizedTest
    @ValueSource(strings = {"lenet5-script.pt", "bn-cnn-script.pt", "bn-cnn-trace.pt", "dropout-cnn-script.pt",
            "deep-cnn-trace.pt"})
    void theWriteupsExportsPass(String file) {
        TorchScriptCheck.check(Path.of("src/test/resources/writeups").resolve(file), "advice");
    }

    /** Code that a reader line by line, or one that drops string literals, would not see. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "_0 = \"\\\n\" + str(torch.save(x, \"/tmp/f\"))",   // a string continued over a line end
            "_0 = getattr(t, \"set_\")(s)",                         // a tensor method by its name
            "_0 = getattr(self, \"storage\")()",
            "X = __torch__",                                          // the root of every class, TorchBind's too
            "C = 0\n_0 = (t).C(1)",                                  // an assignment is no definition
    })
    void codeHiddenFromALineReaderOrBehindALiteralIsRefused(String code) throws java.io.IOException {
        Path file = java.nio.file.Files.createTempFile("hidden", ".pt");
        try {
            try (var zip = new java.util.zip.ZipOutputStream(java.nio.file.Files.newOutputStream(file))) {
                zip.putNextEntry(new java.util.zip.ZipEntry("m/code/__torch__/m.py"));
                zip.write(("class M(Module):\n  def forward(self, x: Tensor) -> Tensor:\n    " + code.replace("\n", "\n    ")
                        + "\n    return x\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
                zip.closeEntry();
            }
            assertThatThrownBy(() -> TorchScriptCheck.check(file, "advice")).isInstanceOf(DigitlabException.class)
                    .hasMessageContaining("refused");
        } finally {
            java.nio.file.Files.deleteIfExists(file);
        }
    }

    @Test
    void aModuleThatMapsAFileIsRefusedByName() {
        Path file = FIXTURES.resolve("script-writes-file.pt");
        assertThatThrownBy(() -> TorchScriptCheck.check(file, "advice")).isInstanceOf(DigitlabException.class)
                .hasMessage(file + ": refused: the module calls torch.from_file, which is not a pure tensor operation; advice");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "_0 = torch.from_file(path, True, 64)                      | torch.from_file",
            "_0 = torch.save(x, \"/tmp/f\")                           | torch.save",
            "f = torch.from_file                                       | torch.from_file",
            "_0 = ops.myns.write(x)                                    | ops.myns.write",
            "_0 = torch.ops.aten.from_file(p, True, 1)                 | torch.ops.aten.from_file",
            "w = __torch__.torch.classes.io.Writer(p)                  | __torch__.torch.classes.io.Writer",
            "_0 = (t).set_(s)                                          | .set_",
            "_0 = t.storage()                                          | t.storage",
            "_0 = open(\"/etc/passwd\")                               | open",
            "m = torch                                                 | torch",
            "_0 = (t).unknown_method(1)                                | .unknown_method",
            "f = getattr(torch, \"\")                                 | getattr",
            "f = getattr(self, name)                                   | getattr",
    })
    void callsOutsideTheListAreNamed(String code, String named) {
        assertThat(TorchScriptCheck.firstRefused(code, Set.of("forward"))).isEqualTo(named);
    }

    @Test
    void stringsCommentsAndTheArchivesOwnCodeAreNotCalls() {
        String code = """
                def forward(self, x: Tensor) -> Tensor:
                  # torch.from_file(path) in a comment
                  _0 = torch.format("torch.save({})", 1)
                  _1 = __torch__.torch.nn.functional.relu(x, False, )
                  fc = self.fc
                  _2 = getattr(self, "0")
                  return (fc).forward(torch.flatten(_1, 1), )
                """;
        assertThat(TorchScriptCheck.firstRefused(TorchScriptCheck.withoutStrings(code), Set.of("forward"))).isNull();
        assertThat(TorchScriptCheck.firstRefused(code, Set.of("forward"))).isEqualTo("torch.from_file");
    }
}
