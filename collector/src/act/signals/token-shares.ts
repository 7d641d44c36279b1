import type { TokenIdentity } from '../../component.ts';

/**
 * Subscriber slots held per auth token, against a share of the stream's slots. Without it one
 * token (a large or misbehaving fleet, a leaked token in a reconnect loop) could take every slot
 * and lock every other service out of its breaker signals. Keyed by the token's position in
 * `auth.tokens`, not its name: names are labels and need not be unique.
 */
export class TokenShares {
  private readonly held = new Map<number, number>();
  /** Tokens refused since they last fell below their share: their refusal was logged once. */
  private readonly refused = new Set<number>();
  private readonly share: number;

  constructor(share: number) {
    this.share = share;
  }

  /** Whether `token` may open one more subscription. */
  hasRoom(token: TokenIdentity): boolean {
    return (this.held.get(token.id) ?? 0) < this.share;
  }

  /** Records a refusal; true for the first one since the token last had room (log it then). */
  noteRefusal(token: TokenIdentity): boolean {
    if (this.refused.has(token.id)) return false;
    this.refused.add(token.id);
    return true;
  }

  add(token: TokenIdentity): void {
    this.held.set(token.id, (this.held.get(token.id) ?? 0) + 1);
  }

  remove(token: TokenIdentity): void {
    const left = (this.held.get(token.id) ?? 0) - 1;
    if (left > 0) this.held.set(token.id, left);
    else this.held.delete(token.id);
    this.refused.delete(token.id);
  }

  clear(): void {
    this.held.clear();
    this.refused.clear();
  }
}
