/**
 * Configuration: {@link dev.mesh.common.config.Env} reads typed values from environment variables
 * (or a map in tests), collecting every invalid value so a misconfigured service fails at start
 * with one clear message.
 */
package dev.mesh.common.config;
