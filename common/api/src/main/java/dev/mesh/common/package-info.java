/**
 * The contract every Mesh service shares: event-bus addresses and message records ({@code bus},
 * {@code events}, {@code status}), identities ({@code identity}), wire close codes ({@code
 * protocol}), configuration ({@code config}), cluster bootstrap ({@code cluster}), health and
 * metrics ({@code ops}) and the service start/stop sequence ({@code launch}).
 */
package dev.mesh.common;
