/**
 * Authentication at the upgrade (JWT from header, cookie or single-use ticket), Origin checks,
 * channel authorisation.
 */
package dev.mesh.connection.auth;
