package dev.digitlab.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An executor's unpacked model folder is deleted with everything in it: what the JVM's shutdown hook runs. */
class ExecutorModelsTest {
    @TempDir
    Path dir;

    @Test
    void unpackedFoldersAreDeletedContentsAndAll() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(bytes)) {
            for (String name : new String[] {"model.json", "model.params", "member-1/model.json", "member-1/report/index.html"}) {
                z.putNextEntry(new ZipEntry(name));
                z.write(name.getBytes(StandardCharsets.UTF_8));
                z.closeEntry();
            }
        }
        Path into = Files.createDirectory(dir.resolve("digitlab-lenet5-0123"));
        ExecutorModels.unzip(bytes.toByteArray(), into);
        assertThat(into.resolve("member-1/report/index.html")).hasContent("member-1/report/index.html");

        ExecutorModels.deleteUnpacked();
        assertThat(into).doesNotExist();
        assertThat(dir).isEmptyDirectory();
    }
}
