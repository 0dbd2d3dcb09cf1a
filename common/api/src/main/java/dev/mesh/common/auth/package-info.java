/**
 * The pluggable channel authoriser: what connection-service asks, over the event bus, before a
 * subscribe or publish.
 */
package dev.mesh.common.auth;
