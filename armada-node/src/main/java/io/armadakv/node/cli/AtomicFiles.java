package io.armadakv.node.cli;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/** Files that appear whole or not at all: written beside their name, synced, then renamed. */
final class AtomicFiles {

    private AtomicFiles() {
    }

    static Path temp(Path target) {
        return target.resolveSibling(target.getFileName() + ".tmp");
    }

    static void write(Path target, byte[] content) throws IOException {
        Path tmp = temp(target);
        Files.write(tmp, content);
        commit(tmp, target);
    }

    /** Syncs {@code tmp} and renames it to {@code target}, replacing what was there. */
    static void commit(Path tmp, Path target) throws IOException {
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel dir = FileChannel.open(target.toAbsolutePath().getParent(), StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException ignored) {
            // not every file system lets a directory be synced; the rename itself is atomic
        }
    }
}
