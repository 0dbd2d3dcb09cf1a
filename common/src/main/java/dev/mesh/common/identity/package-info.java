/** Who a connection is: the ids of DESIGN.md §2 and the rules a client-chosen id must follow. */
package dev.mesh.common.identity;
