package io.armadakv.node.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes docs/configuration.md from the key declarations, so the reference cannot drift from the
 * code: {@code ./armada config-doc > docs/configuration.md}, or this class's main with the file to
 * write. ConfigDocTest fails when the committed file differs.
 */
public final class ConfigDoc {

    private static final String HEADER = """
            # Configuration reference

            Generated from `ConfigKeys` and `ReplicatorKeys` by `io.armadakv.node.config.ConfigDoc`;
            do not edit by hand, run `./armada config-doc > docs/configuration.md` instead.

            ## Where values come from

            Every process reads its keys from these layers; a higher layer wins, key by key:

            1. **flags** `--key=value` (highest); `--key` alone means `true` for a boolean key.
            2. **environment variables**: the key with dots and dashes turned into underscores, in
               upper case: `raft.address` is `RAFT_ADDRESS`, `api.max-key-size` is `API_MAX_KEY_SIZE`.
            3. **the file named by `--config=FILE`** (`.yaml`, `.yml`, `.json` or `.toml`).
            4. **searched files**, each higher than the one before: `/etc/armada/`, `/config/`,
               `$HOME/.armada/`, then the working directory (highest of the four).
            5. **the defaults** in the tables below (lowest).

            Java system properties (`-Dkey=value` in `ARMADA_JAVA_OPTS`) are read too, between the
            environment and the flags, as MicroProfile Config always does; they are not checked for
            unknown keys, so prefer the layers above.

            A node (`armada leader`, `armada follower`) searches for `armada.yaml`, `armada.yml`,
            `armada.json` or `armada.toml`; a replicator (`armada replicator`) for
            `armada-replicator.yaml`, `.yml`, `.json` or `.toml`, so a node and a replicator on one
            host never read each other's file. Two files of one process in the same directory are
            an error.

            In a file, nesting makes the dotted key: `raft: {address: ...}` is `raft.address`, and
            `raft.address: ...` at the top works as well. A key marked *list* may be given a list,
            which becomes its comma-separated value; any other key takes one value.

            Start-up stops with one line naming the key (and the file or variable) when a key is
            unknown, with the nearest declared key as a suggestion, or when a value has the wrong type
            or contradicts another. Environment variables are checked only when they start like a
            key of the process (for a node %s; for a replicator %s); all others are left alone.

            `Cluster.Status` with `config=true` shows every key's value and the layer it came from,
            secrets redacted (see docs/api.md).
            """;

    private ConfigDoc() {
    }

    public static String markdown() {
        StringBuilder out = new StringBuilder(HEADER.formatted(prefixes(ConfigKeys.settable()),
                prefixes(ReplicatorKeys.all())));
        section(out, "Node keys (`armada leader`, `armada follower`)", ConfigKeys.all(), ConfigKeys.settable());
        section(out, "Replicator keys (`armada replicator`)", ReplicatorKeys.all(), ReplicatorKeys.all());
        return out.toString();
    }

    private static void section(StringBuilder out, String title, List<ConfigKey> keys, List<ConfigKey> settable) {
        out.append("\n## ").append(title).append("\n\n")
                .append("| key | environment | type | default | description |\n")
                .append("|---|---|---|---|---|\n");
        for (ConfigKey k : keys) {
            out.append("| `").append(k.name()).append("` | ")
                    .append(settable.contains(k) ? "`" + k.envName() + "`" : "(set by the command)").append(" | ")
                    .append(type(k)).append(" | ")
                    .append(k.defaultValue().isEmpty() ? "(none)" : "`" + k.defaultValue() + "`").append(" | ")
                    .append(cell(k.description())).append(k.secret() ? " (secret: redacted in Cluster.Status)" : "")
                    .append(" |\n");
        }
    }

    private static String prefixes(List<ConfigKey> keys) {
        return EnvironmentConfigSource.prefixes(keys).stream().map(p -> "`" + p + "`")
                .collect(java.util.stream.Collectors.joining(", "));
    }

    private static String type(ConfigKey k) {
        String t = switch (k.type()) {
            case STRING -> "string";
            case INT -> "int";
            case LONG -> "long";
            case BOOLEAN -> "boolean";
            case URL -> "URL";
            case HOST_PORT -> "host:port";
            case MEMBERS -> "id=host:port";
            case URLS -> "URL";
            case HOST_PORTS -> "host:port";
            case PATH -> "path";
            case DURATION_MS -> "milliseconds";
        };
        return k.takesList() ? t + " (list)" : t;
    }

    private static String cell(String text) {
        return text.replace("|", "\\|").replace("\n", " ");
    }

    /** Writes the reference to the file given, or prints it. */
    public static void main(String[] args) throws IOException {
        if (args.length == 0) {
            System.out.print(markdown());
        } else {
            Files.writeString(Path.of(args[0]), markdown(), StandardCharsets.UTF_8);
        }
    }
}
