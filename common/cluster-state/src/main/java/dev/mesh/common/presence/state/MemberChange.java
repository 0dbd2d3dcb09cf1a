package dev.mesh.common.presence.state;

import dev.mesh.common.events.CloseReason;

/**
 * What an update did to one member of a channel; {@code info} is the member's info (JSON text) or
 * null.
 */
public record MemberChange(
    String userId,
    Effect effect,
    CloseReason reason,
    String info,
    long at,
    long version,
    long deadline) {}
