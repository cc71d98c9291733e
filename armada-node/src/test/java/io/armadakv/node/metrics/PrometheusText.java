package io.armadakv.node.metrics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A strict parser of the Prometheus text exposition format 0.0.4, for tests: Maven Central has
 * writers of the format for Java but no parser. It rejects anything the format does not allow:
 * bad metric or label names, bad escapes, unparseable values or timestamps, a TYPE after its
 * family's samples or twice, unknown types, samples that belong to no declared family's type,
 * and the same series twice.
 */
public final class PrometheusText {

    public record Sample(String name, Map<String, String> labels, double value) {
    }

    private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped");

    private final List<Sample> samples;
    private final Map<String, String> types;

    private PrometheusText(List<Sample> samples, Map<String, String> types) {
        this.samples = samples;
        this.types = types;
    }

    public List<Sample> samples() {
        return samples;
    }

    /** The declared TYPE of each family. */
    public Map<String, String> types() {
        return types;
    }

    public Optional<Sample> find(String name, Map<String, String> labels) {
        return samples.stream().filter(s -> s.name().equals(name)
                && s.labels().entrySet().containsAll(labels.entrySet())).findFirst();
    }

    public double value(String name, Map<String, String> labels) {
        return find(name, labels).orElseThrow(() -> new AssertionError("no sample " + name + labels)).value();
    }

    public static PrometheusText parse(String body) {
        List<Sample> samples = new ArrayList<>();
        Map<String, String> types = new LinkedHashMap<>();
        Set<String> familiesWithSamples = new HashSet<>();
        Set<String> helped = new HashSet<>();
        Set<String> series = new HashSet<>();
        Map<String, String> familyOfSample = new HashMap<>();
        if (!body.isEmpty() && !body.endsWith("\n")) {
            throw new IllegalArgumentException("the body does not end with a line feed");
        }
        int lineNo = 0;
        for (String line : body.split("\n", -1)) {
            lineNo++;
            if (line.isEmpty()) {
                continue;
            }
            try {
                if (line.startsWith("#")) {
                    String[] parts = line.split("[ \t]+", 4);
                    if (parts.length >= 3 && parts[1].equals("TYPE")) {
                        String family = name(parts[2]);
                        String type = parts.length == 4 ? parts[3] : "";
                        if (!TYPES.contains(type)) {
                            throw new IllegalArgumentException("unknown type '" + type + "'");
                        }
                        if (types.containsKey(family)) {
                            throw new IllegalArgumentException("second TYPE for " + family);
                        }
                        if (familiesWithSamples.contains(family)) {
                            throw new IllegalArgumentException("TYPE of " + family + " after its samples");
                        }
                        types.put(family, type);
                    } else if (parts.length >= 3 && parts[1].equals("HELP")) {
                        String family = name(parts[2]);
                        if (!helped.add(family)) {
                            throw new IllegalArgumentException("second HELP for " + family);
                        }
                        checkHelpEscapes(parts.length == 4 ? parts[3] : "");
                    }
                    continue; // any other comment is allowed
                }
                Sample s = sample(line);
                String family = family(s.name(), types);
                familiesWithSamples.add(family);
                familyOfSample.put(s.name(), family);
                if (!series.add(s.name() + new java.util.TreeMap<>(s.labels()))) {
                    throw new IllegalArgumentException("series " + s.name() + s.labels() + " appears twice");
                }
                samples.add(s);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("line " + lineNo + ": " + e.getMessage() + ": " + line, e);
            }
        }
        return new PrometheusText(samples, types);
    }

    /** The family a sample name belongs to given the declared types (a summary's _sum, a histogram's _bucket, ...). */
    private static String family(String name, Map<String, String> types) {
        if (types.containsKey(name)) {
            String type = types.get(name);
            if (type.equals("histogram")) {
                throw new IllegalArgumentException("a histogram has no bare sample " + name);
            }
            return name;
        }
        for (String suffix : List.of("_sum", "_count", "_bucket")) {
            if (name.endsWith(suffix)) {
                String base = name.substring(0, name.length() - suffix.length());
                String type = types.get(base);
                if ("histogram".equals(type) || ("summary".equals(type) && !suffix.equals("_bucket"))) {
                    return base;
                }
            }
        }
        return name; // untyped
    }

    private static String name(String s) {
        if (!METRIC_NAME.matcher(s).matches()) {
            throw new IllegalArgumentException("bad metric name '" + s + "'");
        }
        return s;
    }

    private static void checkHelpEscapes(String help) {
        for (int i = 0; i < help.length(); i++) {
            if (help.charAt(i) == '\\') {
                if (i + 1 >= help.length() || (help.charAt(i + 1) != '\\' && help.charAt(i + 1) != 'n')) {
                    throw new IllegalArgumentException("bad escape in HELP");
                }
                i++;
            }
        }
    }

    private static Sample sample(String line) {
        int i = 0;
        while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ' && line.charAt(i) != '\t') {
            i++;
        }
        String name = name(line.substring(0, i));
        Map<String, String> labels = new LinkedHashMap<>();
        if (i < line.length() && line.charAt(i) == '{') {
            i++;
            while (true) {
                if (i >= line.length()) {
                    throw new IllegalArgumentException("unterminated label set");
                }
                if (line.charAt(i) == '}') {
                    i++;
                    break;
                }
                int eq = line.indexOf('=', i);
                if (eq < 0) {
                    throw new IllegalArgumentException("label without '='");
                }
                String label = line.substring(i, eq);
                if (!LABEL_NAME.matcher(label).matches()) {
                    throw new IllegalArgumentException("bad label name '" + label + "'");
                }
                i = eq + 1;
                if (i >= line.length() || line.charAt(i) != '"') {
                    throw new IllegalArgumentException("label value not quoted");
                }
                i++;
                StringBuilder value = new StringBuilder();
                while (true) {
                    if (i >= line.length()) {
                        throw new IllegalArgumentException("unterminated label value");
                    }
                    char c = line.charAt(i++);
                    if (c == '"') {
                        break;
                    }
                    if (c == '\\') {
                        char e = i < line.length() ? line.charAt(i++) : 0;
                        switch (e) {
                            case '\\' -> value.append('\\');
                            case '"' -> value.append('"');
                            case 'n' -> value.append('\n');
                            default -> throw new IllegalArgumentException("bad escape in label value");
                        }
                    } else {
                        value.append(c);
                    }
                }
                if (labels.put(label, value.toString()) != null) {
                    throw new IllegalArgumentException("label " + label + " twice");
                }
                if (i < line.length() && line.charAt(i) == ',') {
                    i++; // a trailing comma before '}' is allowed
                } else if (i >= line.length() || line.charAt(i) != '}') {
                    throw new IllegalArgumentException("expected ',' or '}' after a label");
                }
            }
        }
        String rest = line.substring(i);
        if (rest.isEmpty() || (rest.charAt(0) != ' ' && rest.charAt(0) != '\t')) {
            throw new IllegalArgumentException("no blank before the value");
        }
        String[] fields = rest.strip().split("[ \t]+");
        if (fields.length < 1 || fields.length > 2) {
            throw new IllegalArgumentException("expected a value and an optional timestamp");
        }
        double value = value(fields[0]);
        if (fields.length == 2) {
            try {
                Long.parseLong(fields[1]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad timestamp '" + fields[1] + "'");
            }
        }
        return new Sample(name, labels, value);
    }

    private static double value(String s) {
        switch (s) {
            case "NaN":
                return Double.NaN;
            case "+Inf":
                return Double.POSITIVE_INFINITY;
            case "-Inf":
                return Double.NEGATIVE_INFINITY;
            default:
                // Go's ParseFloat syntax; Java's parseDouble also takes "Infinity", hex and a d/f suffix, which Go does not
                if (!s.matches("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?")) {
                    throw new IllegalArgumentException("bad value '" + s + "'");
                }
                return Double.parseDouble(s);
        }
    }
}
