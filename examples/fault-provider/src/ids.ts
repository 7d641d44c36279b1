/**
 * Identifiers for requests and response objects. A per-server counter keeps them unique,
 * deterministic for a given request order, and cheap (no crypto on the hot path).
 */
export class IdSource {
  private next = 0;

  /** A fresh id such as `req_0000000000000000000001a` (prefix + 24 hex digits). */
  id(prefix: string): string {
    this.next++;
    return prefix + this.next.toString(16).padStart(24, '0');
  }
}
