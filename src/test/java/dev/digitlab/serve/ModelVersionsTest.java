package dev.digitlab.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.digitlab.DigitlabException;
import dev.digitlab.model.ModelFolder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The versions folder of serve --learn: started from a copy, found again, and refused when it is not what it says. */
class ModelVersionsTest {
    private static final Path LENET5 = Path.of("models", "lenet5");

    @TempDir
    Path dir;

    @Test
    void startsWithACopyAsV1AndIsFoundAgain() throws Exception {
        ModelVersions v = ModelVersions.open(dir.resolve("versions"), LENET5);
        assertThat(v.live()).isEqualTo("v1");
        assertThat(ModelFolder.isModel(dir.resolve("versions/v1"))).isTrue();
        assertThat(v.next()).isEqualTo("v2");
        copy(dir.resolve("versions/v1"), dir.resolve("versions/v2"));
        v.add("v2", false, 120, false);
        ModelVersions again = ModelVersions.open(dir.resolve("versions"), LENET5);
        assertThat(again.live()).isEqualTo("v1");
        assertThat(again.rowsLearnt()).isEqualTo(120);
        assertThat(again.versions()).extracting(ModelVersions.Version::name).containsExactly("v1", "v2");
    }

    @Test
    void aCandidateCannotGoLiveNorCanAVersionThatDoesNotExist() throws Exception {
        ModelVersions v = ModelVersions.open(dir.resolve("versions"), LENET5);
        copy(dir.resolve("versions/v1"), dir.resolve("versions/v2"));
        v.add("v2", false, 50, false);
        assertThatThrownBy(() -> v.setLive("v2")).isInstanceOf(BadRequest.class).hasMessageContaining("candidate");
        assertThatThrownBy(() -> v.setLive("v7")).isInstanceOf(BadRequest.class).hasMessageContaining("no version 'v7'");
        assertThat(v.live()).isEqualTo("v1");
    }

    @Test
    void aFolderLeftUnrecordedIsSkippedByTheNextName() throws Exception {
        ModelVersions v = ModelVersions.open(dir.resolve("versions"), LENET5);
        copy(dir.resolve("versions/v1"), dir.resolve("versions/v2")); // a learn's folder, its record lost to a kill
        assertThat(v.next()).isEqualTo("v3");
    }

    @Test
    void aKilledFirstStartIsStartedAgain() throws Exception {
        copy(LENET5, dir.resolve("versions/v1")); // copied, but versions.json never written
        assertThat(ModelVersions.open(dir.resolve("versions"), LENET5).live()).isEqualTo("v1");
    }

    @Test
    void aBadOrHostileVersionsFileIsRefusedNamingIt() throws Exception {
        ModelVersions.open(dir.resolve("versions"), LENET5);
        Path file = dir.resolve("versions/versions.json");
        String good = Files.readString(file);
        for (String bad : new String[] {"{not json", "null", "{\"format\": 1}",
                good.replace("\"name\" : \"v1\"", "\"name\" : \"../../etc\""),
                good.replace("\"name\" : \"v1\"", "\"name\" : null"),
                good.replace("\"rowsLearnt\" : 0", "\"rowsLearnt\" : -5"),
                good.replace("\"promoted\" : true", "\"promoted\" : false")}) {
            Files.writeString(file, bad);
            assertThatThrownBy(() -> ModelVersions.open(dir.resolve("versions"), LENET5)).as(bad)
                    .isInstanceOf(DigitlabException.class).hasMessageContaining("versions.json")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        }
        Files.writeString(file, good);
        assertThatThrownBy(() -> ModelVersions.open(dir.resolve("versions"), Path.of("models", "best")))
                .isInstanceOf(DigitlabException.class).hasMessageContaining("holds the versions of")
                .hasMessageContaining("--versions");
    }

    private static void copy(Path from, Path to) throws Exception {
        Files.createDirectories(to);
        for (String f : new String[] {ModelFolder.SIDECAR, ModelFolder.WEIGHTS}) {
            Files.copy(from.resolve(f), to.resolve(f));
        }
    }
}
