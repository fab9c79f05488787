package io.stoq.node.config;

import io.stoq.fragmint.http.DataSize;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One configuration key, declared once: name, type, default, allowed range and the description
 * that {@code docs/config.md} is generated from. Values arrive as text (YAML scalar, environment
 * variable or {@code -D}) and are parsed and range-checked here, so a bad value is refused at start
 * with the key's name in the message.
 *
 * @param <T> the value type
 */
public final class ConfigKey<T> {
    private static final Pattern DURATION = Pattern.compile("\\s*(\\d+)\\s*(ms|s|m|h|d)\\s*");

    private final String name;
    private final String type;
    private final String defaultText;
    private final String range;
    private final String description;
    private final Function<String, T> parser;

    private ConfigKey(String name, String type, String defaultText, String range, String description, Function<String, T> parser) {
        this.name = name;
        this.type = type;
        this.defaultText = defaultText;
        this.range = range;
        this.description = description;
        this.parser = parser;
    }

    public static ConfigKey<String> string(String name, String defaultValue, String pattern, String description) {
        return new ConfigKey<>(name, "string", defaultValue, pattern == null ? "" : "matches " + pattern, description, text -> {
            if (pattern != null && !text.matches(pattern)) {
                throw new IllegalArgumentException("'" + text + "' does not match " + pattern);
            }
            return text;
        });
    }

    public static ConfigKey<Integer> integer(String name, int defaultValue, int min, int max, String description) {
        return new ConfigKey<>(name, "integer", Integer.toString(defaultValue), min + " .. " + max, description, text -> {
            int value;
            try {
                value = Integer.parseInt(text.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + text + "' is not an integer");
            }
            return inRange(value, min, max);
        });
    }

    public static ConfigKey<Double> decimal(String name, double defaultValue, double min, double max, String description) {
        return new ConfigKey<>(name, "number", stripZero(defaultValue), stripZero(min) + " .. " + stripZero(max), description, text -> {
            double value;
            try {
                value = Double.parseDouble(text.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + text + "' is not a number");
            }
            if (!(value >= min && value <= max)) {
                throw new IllegalArgumentException(text + " is outside " + stripZero(min) + " .. " + stripZero(max));
            }
            return value;
        });
    }

    public static ConfigKey<Boolean> bool(String name, boolean defaultValue, String description) {
        return new ConfigKey<>(name, "boolean", Boolean.toString(defaultValue), "true | false", description, text -> {
            String t = text.trim().toLowerCase(Locale.ROOT);
            if (!t.equals("true") && !t.equals("false")) {
                throw new IllegalArgumentException("'" + text + "' is not true or false");
            }
            return Boolean.parseBoolean(t);
        });
    }

    public static ConfigKey<DataSize> size(String name, String defaultValue, DataSize min, DataSize max, String description) {
        return new ConfigKey<>(name, "size", defaultValue, min + " .. " + max, description, text -> inRange(DataSize.parse(text), min, max));
    }

    /** A size that must also be a power of two (what FastCDC's mask bits can express). */
    public static ConfigKey<DataSize> powerOfTwoSize(String name, String defaultValue, DataSize min, DataSize max, String description) {
        return new ConfigKey<>(name, "size", defaultValue, "a power of two, " + min + " .. " + max, description, text -> {
            DataSize value = inRange(DataSize.parse(text), min, max);
            if (Long.bitCount(value.bytes()) != 1) {
                throw new IllegalArgumentException(value + " is not a power of two");
            }
            return value;
        });
    }

    public static ConfigKey<Duration> duration(String name, String defaultValue, Duration min, Duration max, String description) {
        return new ConfigKey<>(name, "duration", defaultValue, format(min) + " .. " + format(max), description,
                text -> inRange(parseDuration(text), min, max));
    }

    /** A path; relative values are resolved by {@link NodeConfig} against {@code data.dir}. */
    public static ConfigKey<Path> path(String name, String defaultValue, String description) {
        return new ConfigKey<>(name, "path", defaultValue, "", description, text -> {
            if (text.isBlank()) {
                throw new IllegalArgumentException("a path cannot be empty");
            }
            return Path.of(text.trim());
        });
    }

    /**
     * A path that may be left unset (empty text, the default); relative values are resolved by
     * {@link NodeConfig#optionalPath} against {@code data.dir}.
     */
    public static ConfigKey<java.util.Optional<Path>> optionalPath(String name, String description) {
        return new ConfigKey<>(name, "path", "", "", description,
                text -> text.isBlank() ? java.util.Optional.empty() : java.util.Optional.of(Path.of(text.trim())));
    }

    public String name() {
        return name;
    }

    public String type() {
        return type;
    }

    public String defaultText() {
        return defaultText;
    }

    public String range() {
        return range;
    }

    public String description() {
        return description;
    }

    /** The environment variable that overrides this key: {@code api.max-body} is {@code STOQ_API_MAX_BODY}. */
    public String environmentVariable() {
        return "STOQ_" + name.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /** Parses and checks {@code text}; throws IllegalArgumentException with a reason on a bad value. */
    T parse(String text) {
        return parser.apply(text);
    }

    /** Parses {@code 250ms}, {@code 30s}, {@code 5m}, {@code 2h}, {@code 7d} or ISO-8601 ({@code PT30S}). */
    public static Duration parseDuration(String text) {
        Matcher m = DURATION.matcher(text);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
        }
        try {
            return Duration.parse(text.trim());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("'" + text + "' is not a duration like 250ms, 30s, 5m, 2h or 7d");
        }
    }

    /** Formats a duration the way config files write it. */
    public static String format(Duration d) {
        if (d.toMillis() % 86_400_000 == 0 && !d.isZero()) {
            return d.toDays() + "d";
        } else if (d.toMillis() % 3_600_000 == 0 && !d.isZero()) {
            return d.toHours() + "h";
        } else if (d.toMillis() % 60_000 == 0 && !d.isZero()) {
            return d.toMinutes() + "m";
        } else if (d.toMillis() % 1000 == 0) {
            return d.toSeconds() + "s";
        }
        return d.toMillis() + "ms";
    }

    private static <C extends Comparable<C>> C inRange(C value, C min, C max) {
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            String shown = value instanceof Duration d ? format(d) : value.toString();
            String lo = min instanceof Duration d ? format(d) : min.toString();
            String hi = max instanceof Duration d ? format(d) : max.toString();
            throw new IllegalArgumentException(shown + " is outside " + lo + " .. " + hi);
        }
        return value;
    }

    private static String stripZero(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }

    @Override
    public String toString() {
        return name;
    }
}
