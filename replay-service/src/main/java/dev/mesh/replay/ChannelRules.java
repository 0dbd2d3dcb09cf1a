package dev.mesh.replay;

import dev.mesh.common.config.Env;
import dev.mesh.common.replay.store.ChannelPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * History capacity and age per channel pattern: the first rule whose pattern matches a channel
 * wins, else the defaults. A pattern is a channel name, or a prefix followed by {@code *} ({@code
 * user:*}).
 *
 * @param defaultCapacity events kept when no rule matches
 * @param defaultTtl age after which an event leaves the history when no rule matches
 * @param rules the rules, in order
 * @param dedupeWindow how long a message id is remembered
 * @param dedupeMaxIds most ids remembered per channel
 * @param idle how long a channel without publishes keeps its epoch (raised to a rule's ttl if
 *     shorter)
 */
public record ChannelRules(
    int defaultCapacity,
    Duration defaultTtl,
    List<Rule> rules,
    Duration dedupeWindow,
    int dedupeMaxIds,
    Duration idle) {

  /** One pattern and what it keeps. */
  public record Rule(String pattern, int capacity, Duration ttl) {

    boolean matches(String channel) {
      return pattern.endsWith("*")
          ? channel.startsWith(pattern.substring(0, pattern.length() - 1))
          : channel.equals(pattern);
    }

    @Override
    public String toString() {
      return pattern + "=" + capacity + "/" + ttl.toMillis() + "ms";
    }
  }

  private static final Pattern RULE =
      Pattern.compile("([A-Za-z0-9_:.@-]+\\*?|\\*)=(\\d{1,9})/(\\d{1,9}(?:ms|s|m|h)?)");

  public ChannelRules {
    rules = List.copyOf(rules);
  }

  /** The policy of one channel. */
  public ChannelPolicy policyFor(String channel) {
    for (Rule rule : rules) {
      if (rule.matches(channel)) {
        return policy(rule.capacity(), rule.ttl());
      }
    }
    return policy(defaultCapacity, defaultTtl);
  }

  private ChannelPolicy policy(int capacity, Duration ttl) {
    return new ChannelPolicy(
        capacity,
        ttl.toMillis(),
        dedupeWindow.toMillis(),
        dedupeMaxIds,
        Math.max(idle.toMillis(), ttl.toMillis()));
  }

  /**
   * Parses {@code pattern=size/ttl} items separated by commas, e.g. {@code
   * user:*=200/10m,room:lobby=5000/1h}; problems are reported to {@code env} under {@code
   * variable}.
   */
  public static List<Rule> parse(Env env, String variable, String value) {
    List<Rule> rules = new ArrayList<>();
    if (value == null || value.isBlank()) {
      return rules;
    }
    for (String item : value.split(",", -1)) {
      String text = item.trim();
      if (text.isEmpty()) {
        continue;
      }
      Matcher matcher = RULE.matcher(text);
      if (!matcher.matches()) {
        env.reject(
            variable
                + ": \""
                + text
                + "\" must look like <channel or prefix*>=<capacity>/<ttl>, e.g. user:*=200/10m");
        continue;
      }
      int capacity = Integer.parseInt(matcher.group(2));
      if (capacity < 1 || capacity > ReplayOptions.MAX_CAPACITY) {
        env.reject(
            variable
                + ": \""
                + text
                + "\": capacity must be between 1 and "
                + ReplayOptions.MAX_CAPACITY);
        continue;
      }
      Duration ttl =
          Env.of(java.util.Map.of("ttl", matcher.group(3)))
              .duration("ttl", Duration.ZERO, Duration.ofSeconds(1), ReplayOptions.MAX_TTL);
      if (ttl.isZero()) {
        env.reject(
            variable + ": \"" + text + "\": ttl must be between 1s and 7d (e.g. 30s, 10m, 2h)");
        continue;
      }
      rules.add(new Rule(matcher.group(1), capacity, ttl));
    }
    return rules;
  }
}
