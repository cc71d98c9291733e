package io.armadakv.node.cli;

import jakarta.json.bind.Jsonb;
import jakarta.json.bind.JsonbBuilder;
import jakarta.json.bind.JsonbConfig;
import jakarta.json.bind.annotation.JsonbProperty;
import jakarta.json.bind.annotation.JsonbPropertyOrder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code manifest.json} of a backup directory (API.md M-4): {@code {started, finished,
 * tables:[{name, file_name, md5}]}} as the seed system writes it, plus {@code sha256} and
 * {@code size}, which a restore checks when present (seed manifests lack them).
 */
@JsonbPropertyOrder({"started", "finished", "tables"})
public class Manifest {

    static final String FILE_NAME = "manifest.json";

    public String started;
    public String finished;
    public List<Entry> tables = new ArrayList<>();

    @JsonbPropertyOrder({"name", "fileName", "md5", "sha256", "size"})
    public static class Entry {
        public String name;
        @JsonbProperty("file_name")
        public String fileName;
        public String md5;
        public String sha256;
        public Long size;
    }

    static Manifest read(Path dir) throws CliException {
        Path file = dir.resolve(FILE_NAME);
        String json;
        try {
            json = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new CliException(file + ": no backup manifest here");
        } catch (IOException e) {
            throw new CliException(file + ": cannot read the manifest: " + e.getMessage());
        }
        Manifest m;
        try (Jsonb jsonb = JsonbBuilder.create()) {
            m = jsonb.fromJson(json, Manifest.class);
        } catch (Exception e) {
            throw new CliException(file + ": not a valid manifest: " + e.getMessage());
        }
        if (m == null || m.tables == null) {
            throw new CliException(file + ": not a valid manifest: no tables list");
        }
        for (Entry t : m.tables) {
            if (t == null || t.name == null || t.name.isEmpty() || t.fileName == null || t.fileName.isEmpty()
                    || t.md5 == null) {
                throw new CliException(file + ": not a valid manifest: every table needs name, file_name and md5");
            }
            Path p = Path.of(t.fileName);
            if (p.isAbsolute() || p.getNameCount() != 1 || t.fileName.equals("..")) {
                throw new CliException(file + ": table " + t.name + ": file_name " + t.fileName
                        + " is not a file name inside the backup directory");
            }
        }
        return m;
    }

    /** Writes the manifest atomically: a reader sees the old one, none, or this one whole. */
    void write(Path dir) throws IOException {
        String json;
        try (Jsonb jsonb = JsonbBuilder.create(new JsonbConfig().withFormatting(true))) {
            json = jsonb.toJson(this);
        } catch (Exception e) {
            throw new IOException("cannot encode the manifest: " + e.getMessage(), e);
        }
        AtomicFiles.write(dir.resolve(FILE_NAME), json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
}
