/**
 * The connection registry in Hazelcast: user id -> that user's live connections (which node holds
 * each). Updated only through the entry processors here, which run atomically on the key's
 * partition owner (any member: they live in common so every service can run them), so the
 * duplicate-page policy and the per-user limit hold cluster-wide.
 */
package dev.mesh.common.registry;
