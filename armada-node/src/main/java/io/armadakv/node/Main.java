package io.armadakv.node;

import io.armadakv.node.config.ConfigDoc;
import io.armadakv.node.config.ConfigException;
import io.armadakv.node.config.ConfigLayers;
import io.armadakv.node.config.ConfigKeys;
import io.armadakv.node.config.Endpoint;
import io.armadakv.node.config.MapConfigSource;
import io.armadakv.node.config.NodeConfig;
import io.helidon.microprofile.server.Server;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.spi.ConfigProviderResolver;
import org.eclipse.microprofile.config.spi.ConfigSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** {@code armada <command> [--key=value ...]}: the entry point of the launcher. */
public final class Main {

    private static final String USAGE = """
            usage: armada <command> [--key=value ...]
              leader     start a node of the leader cluster
              follower   start a node of a follower cluster (reads local, writes forwarded)
              replicator start a replicator feeding a follower cluster from the leader cluster
              backup     --address=URL --dir=DIR [--token=T] [--table=NAME] [--ca=FILE]
                         back up tables of a leader cluster (one <table>.bak each, manifest.json)
              restore    --address=URL --dir=DIR [--token=T] [--table=NAME] [--ca=FILE]
                         check a backup directory's files, then restore them into a leader cluster
              config-doc print the configuration reference (docs/configuration.md)
              version    print the version
            configuration: armada.yaml|yml|json|toml in /etc/armada, /config, $HOME/.armada, the
            working directory, or --config=FILE; then environment (RAFT_ADDRESS); then --key=value
            """;

    /** The name Cluster.Status reports as the source of armada.role. */
    static final String COMMAND_SOURCE = "command";

    private Main() {
    }

    public static void main(String[] args) {
        if (args.length == 0 || args[0].equals("help") || args[0].equals("--help") || args[0].equals("-h")) {
            System.out.print(USAGE);
            System.exit(args.length == 0 ? 2 : 0);
        }
        List<String> flags = Arrays.asList(args).subList(1, args.length);
        switch (args[0]) {
            case "version" -> System.out.println("armada " + Version.get());
            case "config-doc" -> System.out.print(ConfigDoc.markdown());
            case "leader" -> startNode(flags, "leader");
            case "follower" -> startNode(flags, "follower");
            case "backup" -> System.exit(new picocli.CommandLine(new io.armadakv.node.cli.BackupCommand())
                    .execute(flags.toArray(String[]::new)));
            case "restore" -> System.exit(new picocli.CommandLine(new io.armadakv.node.cli.RestoreCommand())
                    .execute(flags.toArray(String[]::new)));
            default -> {
                System.err.println("armada: unknown command '" + args[0] + "'");
                System.err.print(USAGE);
                System.exit(2);
            }
        }
    }

    private static void startNode(List<String> flags, String role) {
        try {
            start(flags, role);
        } catch (ConfigException e) {
            System.err.println("armada: configuration error: " + e.getMessage());
            System.exit(2);
        } catch (RuntimeException e) {
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            if (root instanceof ConfigException ce) {
                System.err.println("armada: configuration error: " + ce.getMessage());
                System.exit(2);
            }
            System.err.println("armada: start-up failed: " + root.getMessage());
            e.printStackTrace(System.err);
            System.exit(1);
        }
    }

    /** Starts a node in this JVM; it runs until the server is stopped or the JVM exits. */
    static Server start(List<String> flags, String role) {
        Config config = buildConfig(flags, role);
        NodeConfig.from(config);
        io.armadakv.node.logging.LogSetup.read(config);
        return Server.builder().config(config).build().start();
    }

    /**
     * MicroProfile Config from the layers {@link ConfigLayers} describes, with the role the command
     * names on top; Helidon's own server keys are derived from {@code rest.address} so there is one
     * way to set each address.
     */
    static Config buildConfig(List<String> flags, String role) {
        return buildConfig(ConfigLayers.node(System.getenv(), Path.of("").toAbsolutePath()), flags, role);
    }

    static Config buildConfig(ConfigLayers layers, List<String> flags, String role) {
        if (flags.stream().anyMatch(f -> f.startsWith("--" + ConfigKeys.ROLE.name()))) {
            throw new ConfigException(ConfigKeys.ROLE.name() + " is set by the command: armada leader | armada follower");
        }
        List<ConfigSource> sources = new ArrayList<>(layers.sources(flags));
        sources.add(new MapConfigSource(COMMAND_SOURCE, 600, Map.of(ConfigKeys.ROLE.name(), role)));
        ConfigProviderResolver resolver = ConfigProviderResolver.instance();
        Config base = resolver.getBuilder().addDefaultSources().addDiscoveredConverters()
                .withSources(sources.toArray(ConfigSource[]::new)).build();
        NodeConfig node = NodeConfig.from(base);
        Endpoint rest = node.rest();
        sources.add(new MapConfigSource("derived-from-" + ConfigKeys.REST_ADDRESS.name(), 1000, Map.of(
                "server.host", rest.host(),
                "server.port", Integer.toString(rest.port()))));
        Config config = resolver.getBuilder().addDefaultSources().addDiscoveredConverters()
                .withSources(sources.toArray(ConfigSource[]::new)).build();
        resolver.registerConfig(config, Thread.currentThread().getContextClassLoader());
        return config;
    }
}
