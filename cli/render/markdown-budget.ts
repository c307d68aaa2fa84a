/**
 * Every section of the pull-request comment gets a character budget, so no one section (a mass
 * removal's warnings, a long move list) can push the comment past GitHub's 65,536 characters.
 * A section that does not fit keeps its first lines and says how many were cut.
 */
export const GITHUB_COMMENT_LIMIT = 65_536;

export interface Fitted {
  lines: string[];
  /** Items left out. */
  cut: number;
}

/**
 * Keep items (each a block of lines) from the start while they fit in `budget` characters,
 * counting the newline after each line; `more(n)` is the line saying n were cut, and its room is kept.
 */
export function fitItems(items: readonly string[][], budget: number, more: (n: number) => string): Fitted {
  const size = (lines: readonly string[]) => lines.reduce((n, l) => n + l.length + 1, 0);
  const total = items.reduce((n, it) => n + size(it), 0);
  if (total <= budget) return { lines: items.flat(), cut: 0 };
  const room = budget - more(items.length).length - 1;
  const lines: string[] = [];
  let used = 0;
  let kept = 0;
  for (const it of items) {
    const s = size(it);
    if (used + s > room) break;
    lines.push(...it);
    used += s;
    kept++;
  }
  return { lines: [...lines, more(items.length - kept)], cut: items.length - kept };
}

export function chars(lines: readonly string[]): number {
  return lines.reduce((n, l) => n + l.length + 1, 0);
}
