package io.armadakv.node.config;

import java.util.Collection;
import java.util.List;
import java.util.Optional;

/** Spelling help for mistyped keys. */
final class ConfigValidator {

    private ConfigValidator() {
    }

    static String suggestion(String key, List<ConfigKey> keys) {
        return closest(key, keys.stream().map(ConfigKey::name).toList())
                .map(best -> " (did you mean '" + best + "'?)").orElse("");
    }

    /** The candidate nearest to a misspelling, when it is near enough to be what was meant. */
    static Optional<String> closest(String word, Collection<String> candidates) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String c : candidates) {
            int d = distance(word, c);
            if (d < bestDistance) {
                bestDistance = d;
                best = c;
            }
        }
        return best != null && bestDistance <= Math.max(2, word.length() / 4) ? Optional.of(best) : Optional.empty();
    }

    private static int distance(String a, String b) {
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
}
