package io.stoq.node.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The node's effective configuration: every key of {@link NodeConfigKeys} with a parsed, checked
 * value. Immutable once loaded.
 *
 * <p>Precedence, highest first: {@code -D key=value} on the command line, the key's environment
 * variable ({@code STOQ_API_PORT} for {@code api.port}), the YAML file, the default. Unknown keys in
 * the file are an error (with a suggestion), so a typo never silently falls back to a default.
 */
public final class NodeConfig {
    /** Where a value came from, for `stoq config show` and start-up logs. */
    public enum Source { DEFAULT, FILE, ENVIRONMENT, COMMAND_LINE }

    /** One resolved value. */
    public record Entry(ConfigKey<?> key, Object value, Source source) {}

    private final Map<String, Entry> entries;

    private NodeConfig(Map<String, Entry> entries) {
        this.entries = entries;
    }

    /** Defaults only (plus nothing else): what {@code stoq dev} starts from. */
    public static NodeConfig defaults() throws NodeException {
        return load(null, Map.of(), Map.of());
    }

    /**
     * Loads {@code file} (may be null), then applies {@code environment} and {@code overrides}.
     * Fails with {@link NodeErrorCode#BAD_CONFIG} naming the key and the problem.
     */
    public static NodeConfig load(Path file, Map<String, String> environment, Map<String, String> overrides) throws NodeException {
        Map<String, String> fromFile = file == null ? Map.of() : readYaml(file);
        for (String name : overrides.keySet()) {
            requireKnown(name, "-D " + name);
        }
        Map<String, Entry> entries = new LinkedHashMap<>();
        for (ConfigKey<?> key : NodeConfigKeys.ALL) {
            String text;
            Source source;
            if (overrides.containsKey(key.name())) {
                text = overrides.get(key.name());
                source = Source.COMMAND_LINE;
            } else if (environment.containsKey(key.environmentVariable())) {
                text = environment.get(key.environmentVariable());
                source = Source.ENVIRONMENT;
            } else if (fromFile.containsKey(key.name())) {
                text = fromFile.get(key.name());
                source = Source.FILE;
            } else {
                text = key.defaultText();
                source = Source.DEFAULT;
            }
            try {
                entries.put(key.name(), new Entry(key, key.parse(text), source));
            } catch (IllegalArgumentException e) {
                throw new NodeException(NodeErrorCode.BAD_CONFIG, "config key " + key.name() + " (from " + describe(source, key, file)
                        + "): " + e.getMessage());
            }
        }
        return new NodeConfig(entries);
    }

    /** The value of {@code key}. */
    public <T> T get(ConfigKey<T> key) {
        Entry entry = entries.get(key.name());
        if (entry == null) {
            throw new IllegalArgumentException(key.name() + " is not a node config key");
        }
        @SuppressWarnings("unchecked")
        T value = (T) entry.value();
        return value;
    }

    /** A path key's value, resolved against {@code data.dir} when relative. */
    public Path path(ConfigKey<Path> key) {
        Path value = get(key);
        if (key == NodeConfigKeys.DATA_DIR || value.isAbsolute()) {
            return value;
        }
        return get(NodeConfigKeys.DATA_DIR).resolve(value);
    }

    /** An optional path key's value, resolved against {@code data.dir} when relative. */
    public java.util.Optional<Path> optionalPath(ConfigKey<java.util.Optional<Path>> key) {
        return get(key).map(p -> p.isAbsolute() ? p : get(NodeConfigKeys.DATA_DIR).resolve(p));
    }

    /** Every key with its value and source, in documentation order. */
    public List<Entry> entries() {
        return List.copyOf(entries.values());
    }

    /** A copy with {@code overrides} applied on top (same precedence as the command line). */
    public NodeConfig with(Map<String, String> overrides) throws NodeException {
        Map<String, Entry> copy = new LinkedHashMap<>(entries);
        for (var override : overrides.entrySet()) {
            requireKnown(override.getKey(), "override " + override.getKey());
            ConfigKey<?> key = copy.get(override.getKey()).key();
            try {
                copy.put(key.name(), new Entry(key, key.parse(override.getValue()), Source.COMMAND_LINE));
            } catch (IllegalArgumentException e) {
                throw new NodeException(NodeErrorCode.BAD_CONFIG, "config key " + key.name() + ": " + e.getMessage());
            }
        }
        return new NodeConfig(copy);
    }

    private static String describe(Source source, ConfigKey<?> key, Path file) {
        return switch (source) {
            case DEFAULT -> "default";
            case FILE -> String.valueOf(file);
            case ENVIRONMENT -> "$" + key.environmentVariable();
            case COMMAND_LINE -> "-D";
        };
    }

    private static Map<String, String> readYaml(Path file) throws NodeException {
        JsonNode root;
        try {
            root = new YAMLMapper().readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new NodeException(NodeErrorCode.BAD_CONFIG, "config file " + file + " does not exist");
        } catch (IOException e) {
            String reason = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
            throw new NodeException(NodeErrorCode.BAD_CONFIG, "config file " + file + " is not valid YAML: " + reason);
        }
        Map<String, String> flat = new LinkedHashMap<>();
        if (root != null && !root.isNull() && !root.isMissingNode()) {
            if (!root.isObject()) {
                throw new NodeException(NodeErrorCode.BAD_CONFIG, "config file " + file + " must be a YAML mapping of keys");
            }
            flatten("", root, flat, file);
        }
        for (String name : flat.keySet()) {
            requireKnown(name, file.toString());
        }
        return flat;
    }

    private static void flatten(String prefix, JsonNode node, Map<String, String> out, Path file) throws NodeException {
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String name = prefix.isEmpty() ? field.getKey() : prefix + "." + field.getKey();
            JsonNode value = field.getValue();
            if (value.isObject() && !isKnown(name)) {
                flatten(name, value, out, file);
            } else if (value.isValueNode() && !value.isNull()) {
                out.put(name, value.asText());
            } else {
                throw new NodeException(NodeErrorCode.BAD_CONFIG, "config key " + name + " in " + file + " must be a single value");
            }
        }
    }

    private static boolean isKnown(String name) {
        return NodeConfigKeys.ALL.stream().anyMatch(k -> k.name().equals(name));
    }

    private static void requireKnown(String name, String where) throws NodeException {
        if (!isKnown(name)) {
            throw new NodeException(NodeErrorCode.BAD_CONFIG, "unknown config key '" + name + "' in " + where + suggestion(name));
        }
    }

    private static String suggestion(String name) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (ConfigKey<?> key : NodeConfigKeys.ALL) {
            int d = editDistance(name, key.name());
            if (d < bestDistance) {
                bestDistance = d;
                best = key.name();
            }
        }
        return bestDistance <= 3 ? " (did you mean " + best + "?)" : " (see docs/config.md)";
    }

    private static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /** Renders the reference table for docs/config.md. */
    public static String markdownReference() {
        StringBuilder md = new StringBuilder();
        md.append("# Node configuration reference\n\n");
        md.append("Generated from `NodeConfigKeys` by `stoq config docs`; do not edit by hand.\n\n");
        md.append("Precedence, highest first: `-D key=value` on the command line, the key's environment variable, ");
        md.append("the YAML file given with `--config`, the default. Relative paths resolve against `data.dir`. ");
        md.append("Sizes take `B`, `KiB`, `MiB`, `GiB`, `TiB`; durations `ms`, `s`, `m`, `h`, `d`.\n\n");
        md.append("| key | type | default | range | environment | description |\n");
        md.append("|---|---|---|---|---|---|\n");
        List<String> rows = new ArrayList<>();
        for (ConfigKey<?> key : NodeConfigKeys.ALL) {
            String shownDefault = key.defaultText().isEmpty() ? "(unset)" : "`" + key.defaultText() + "`";
            rows.add("| `" + key.name() + "` | " + key.type() + " | " + shownDefault + " | " + key.range().replace("|", "\\|") + " | `"
                    + key.environmentVariable() + "` | " + key.description().replace("|", "\\|") + " |");
        }
        md.append(String.join("\n", rows)).append('\n');
        return md.toString();
    }
}
