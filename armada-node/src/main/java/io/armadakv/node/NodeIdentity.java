package io.armadakv.node;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/** A node's stable id: a UUID created once and kept beside the Raft logs. */
public record NodeIdentity(String id) {

    static NodeIdentity loadOrCreate(Path nodeHostDir) throws IOException {
        Path file = nodeHostDir.resolve("node-id");
        if (Files.exists(file)) {
            String id = Files.readString(file, StandardCharsets.UTF_8).trim();
            return new NodeIdentity(UUID.fromString(id).toString());
        }
        Files.createDirectories(nodeHostDir);
        String id = UUID.randomUUID().toString();
        Path tmp = nodeHostDir.resolve("node-id.tmp");
        Files.writeString(tmp, id + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        return new NodeIdentity(id);
    }
}
