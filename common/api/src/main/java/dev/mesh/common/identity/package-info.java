/**
 * Who a connection is: the ids of docs/ARCHITECTURE.md §5.1 and the rules a client-chosen id must
 * follow.
 */
package dev.mesh.common.identity;
