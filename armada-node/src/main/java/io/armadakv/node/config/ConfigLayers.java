package io.armadakv.node.config;

import org.eclipse.microprofile.config.spi.ConfigSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The layers of a process's configuration as MicroProfile ConfigSources, lowest priority first:
 * <ol>
 *   <li>the declared defaults (not a source: {@link ConfigReader} falls back to them);</li>
 *   <li>a file {@code BASE.yaml|yml|json|toml} in each search directory, later directories higher;</li>
 *   <li>the file named by {@code --config=FILE};</li>
 *   <li>environment variables;</li>
 *   <li>command-line flags {@code --key=value}.</li>
 * </ol>
 * The environment and the search directories are parameters so tests can give their own; the
 * production values come from {@link #searchDirs(Map, Path)} and {@code System.getenv()}.
 *
 * @param fileBaseName {@code armada} for a node, {@code armada-replicator} for a replicator
 * @param declared     the keys files, environment and flags may set
 */
public record ConfigLayers(String fileBaseName, List<ConfigKey> declared, List<Path> searchDirs,
                           Map<String, String> env) {

    public static final String CONFIG_FLAG = "--config";

    /** Ordinal of the first search directory's file; each later directory is {@link #FILE_STEP} higher. */
    static final int FILE_ORDINAL = 200;
    static final int FILE_STEP = 10;
    /** Above every searched file, below the environment. */
    static final int EXPLICIT_FILE_ORDINAL = 250;

    public ConfigLayers {
        declared = List.copyOf(declared);
        searchDirs = List.copyOf(searchDirs);
        env = Map.copyOf(env);
    }

    public static ConfigLayers node(Map<String, String> env, Path workingDir) {
        return new ConfigLayers("armada", ConfigKeys.settable(), searchDirs(env, workingDir), env);
    }

    public static ConfigLayers replicator(Map<String, String> env, Path workingDir) {
        return new ConfigLayers("armada-replicator", ReplicatorKeys.all(), searchDirs(env, workingDir), env);
    }

    /** /etc/armada, /config, $HOME/.armada, the working directory: lowest priority first. */
    public static List<Path> searchDirs(Map<String, String> env, Path workingDir) {
        List<Path> dirs = new ArrayList<>(List.of(Path.of("/etc/armada"), Path.of("/config")));
        String home = env.getOrDefault("HOME", System.getProperty("user.home", ""));
        if (!home.isBlank()) {
            dirs.add(Path.of(home, ".armada"));
        }
        dirs.add(workingDir);
        return dirs;
    }

    /** Every layer for these command-line arguments, lowest priority first. */
    public List<ConfigSource> sources(List<String> args) {
        List<ConfigSource> sources = new ArrayList<>();
        for (int i = 0; i < searchDirs.size(); i++) {
            Path found = findIn(searchDirs.get(i));
            if (found != null) {
                sources.add(ConfigFile.load(found, FILE_ORDINAL + FILE_STEP * i, declared));
            }
        }
        List<String> flags = new ArrayList<>();
        Path explicit = null;
        for (String arg : args) {
            if (arg.equals(CONFIG_FLAG) || arg.startsWith(CONFIG_FLAG + "=")) {
                if (explicit != null) {
                    throw new ConfigException(CONFIG_FLAG + " is given twice");
                }
                explicit = explicitFile(arg);
            } else {
                flags.add(arg);
            }
        }
        if (explicit != null) {
            sources.add(ConfigFile.load(explicit, EXPLICIT_FILE_ORDINAL, declared));
        }
        sources.add(EnvironmentConfigSource.from(env, declared));
        sources.add(CommandLineConfigSource.parse(flags, declared));
        return sources;
    }

    private static Path explicitFile(String arg) {
        String file = arg.length() > CONFIG_FLAG.length() ? arg.substring(CONFIG_FLAG.length() + 1) : "";
        if (file.isBlank()) {
            throw new ConfigException(CONFIG_FLAG + ": missing file, use " + CONFIG_FLAG + "=FILE");
        }
        Path path = Path.of(file).toAbsolutePath().normalize();
        if (!Files.isRegularFile(path)) {
            throw new ConfigException(CONFIG_FLAG + ": " + path + " does not exist or is not a file");
        }
        return path;
    }

    /** This directory's configuration file; two of them (say .yaml and .toml) would be ambiguous. */
    private Path findIn(Path dir) {
        List<Path> found = ConfigFile.EXTENSIONS.stream()
                .map(ext -> dir.resolve(fileBaseName + "." + ext))
                .filter(Files::isRegularFile)
                .toList();
        if (found.size() > 1) {
            throw new ConfigException(dir.toAbsolutePath().normalize() + ": holds " + found.stream()
                    .map(p -> p.getFileName().toString()).toList() + ", keep one");
        }
        return found.isEmpty() ? null : found.get(0);
    }
}
