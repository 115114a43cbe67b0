package dev.ephyr.broker.policy;

/**
 * A named, preset task envelope that an agent may ask for instead of spelling one out.
 *
 * @param name the template's name
 * @param grant what a task from this template asks for (still intersected with the agent's policy)
 * @param ttl the task's TTL, or {@code null} for the agent's default
 */
public record Template(String name, Grant grant, java.time.Duration ttl) {}
