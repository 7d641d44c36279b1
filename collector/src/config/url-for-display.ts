/**
 * A configured URL as it may be shown in logs, metric labels and `check-config` output: origin and
 * path only. User info and the query often carry credentials (`https://user:key@host`, `?token=`).
 */
export function urlForDisplay(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname.replace(/\/$/, '')}`;
  } catch {
    return '(not a URL)';
  }
}
