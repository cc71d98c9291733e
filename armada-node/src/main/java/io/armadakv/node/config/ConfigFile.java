package io.armadakv.node.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * One configuration file (YAML, JSON or TOML, chosen by its extension) read into a ConfigSource:
 * nested tables become dotted keys, lists become comma-separated values, and a key that is not
 * declared stops start-up naming the file.
 */
public final class ConfigFile {

    /** The extensions a configuration file may have, in the order a directory is searched. */
    public static final List<String> EXTENSIONS = List.of("yaml", "yml", "json", "toml");

    private ConfigFile() {
    }

    /** Reads {@code file} as a ConfigSource named by its absolute path. */
    public static MapConfigSource load(Path file, int ordinal, List<ConfigKey> declared) {
        Path path = file.toAbsolutePath().normalize();
        Map<String, Object> tree = parse(path);
        Map<String, ConfigKey> byName = new LinkedHashMap<>();
        declared.forEach(k -> byName.put(k.name(), k));
        Map<String, String> values = new LinkedHashMap<>();
        flatten(path, "", tree, byName, declared, values);
        return new MapConfigSource(path.toString(), ordinal, values);
    }

    static String extension(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    }

    private static Map<String, Object> parse(Path path) {
        String ext = extension(path);
        if (!EXTENSIONS.contains(ext)) {
            throw new ConfigException(path + ": unknown configuration format '." + ext
                    + "', use one of ." + String.join(", .", EXTENSIONS));
        }
        try (Reader in = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            Object root = switch (ext) {
                case "yaml", "yml" -> yaml(path, in);
                case "json" -> jackson(path, JsonMapper.builder()
                        .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).build(), in);
                default -> jackson(path, new TomlMapper(), in);
            };
            if (root == null) {
                return Map.of();
            }
            if (!(root instanceof Map<?, ?> map)) {
                throw new ConfigException(path + ": must hold key: value pairs at the top, not a "
                        + root.getClass().getSimpleName());
            }
            return stringKeys(map);
        } catch (NoSuchFileException e) {
            throw new ConfigException(path + ": no such configuration file");
        } catch (IOException e) {
            throw new ConfigException(path + ": cannot read: " + e.getMessage());
        }
    }

    private static Object yaml(Path path, Reader in) {
        // SafeConstructor: plain maps, lists and scalars only, never arbitrary Java objects
        Yaml yaml = new Yaml(new SafeConstructor(new LoaderOptions()));
        try {
            return yaml.load(in);
        } catch (MarkedYAMLException e) {
            var mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            String problem = e.getProblem() != null ? e.getProblem() : e.getContext();
            throw new ConfigException(path + (mark != null ? ":" + (mark.getLine() + 1) : "") + ": not valid YAML: "
                    + oneLine(problem));
        } catch (YAMLException e) {
            throw new ConfigException(path + ": not valid YAML: " + oneLine(e.getMessage()));
        }
    }

    private static Object jackson(Path path, ObjectMapper mapper, Reader in) throws IOException {
        String format = mapper instanceof TomlMapper ? "TOML" : "JSON";
        try {
            return mapper.readValue(in, Object.class);
        } catch (JsonProcessingException e) {
            var where = e.getLocation();
            throw new ConfigException(path + (where != null && where.getLineNr() > 0 ? ":" + where.getLineNr() : "")
                    + ": not valid " + format + ": " + oneLine(e.getOriginalMessage()));
        }
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.strip().replaceAll("\\s*\\R\\s*", " ");
    }

    private static Map<String, Object> stringKeys(Map<?, ?> map) {
        Map<String, Object> out = new LinkedHashMap<>();
        map.forEach((k, v) -> out.put(String.valueOf(k), v));
        return out;
    }

    private static void flatten(Path path, String prefix, Map<String, Object> tree, Map<String, ConfigKey> byName,
                                List<ConfigKey> declared, Map<String, String> out) {
        for (Map.Entry<String, Object> e : tree.entrySet()) {
            String key = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            Object v = e.getValue();
            if (v instanceof Map<?, ?> nested) {
                flatten(path, key, stringKeys(nested), byName, declared, out);
                continue;
            }
            ConfigKey k = byName.get(key);
            if (k == null) {
                throw new ConfigException(path + ": unknown configuration key '" + key + "'"
                        + ConfigValidator.suggestion(key, declared));
            }
            if (out.containsKey(key)) {
                throw new ConfigException(path + ": " + key + " is set twice (once nested, once dotted)");
            }
            out.put(key, scalarOrList(path, k, v));
        }
    }

    private static String scalarOrList(Path path, ConfigKey k, Object v) {
        if (v instanceof List<?> list) {
            if (!k.takesList()) {
                throw new ConfigException(path + ": " + k.name() + " takes one value, not a list");
            }
            return list.stream().map(item -> {
                if (item instanceof Map<?, ?> || item instanceof List<?>) {
                    throw new ConfigException(path + ": " + k.name() + ": list items must be plain values");
                }
                return String.valueOf(item);
            }).collect(Collectors.joining(","));
        }
        return v == null ? "" : String.valueOf(v);
    }
}
