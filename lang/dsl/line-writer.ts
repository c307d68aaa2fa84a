/**
 * The formatter's output, built line by line.
 *
 * Every edit the formatter makes (trim the spaces before a line break, drop a
 * trailing comma before `]`) touches only the line being written, never the
 * text written so far: each costs at most that line's length, so formatting
 * is linear in the file's size. (Editing one growing string with `replace`
 * made `globe fmt` quadratic: 17 s for 500 kB, minutes for 5 MB.)
 */
export class LineWriter {
  private readonly lines: string[] = [];
  private current = '';
  /** Characters examined by the edits: bounded by the output's length (what the linearity test checks). */
  scanned = 0;

  write(text: string): void {
    // Tokens never hold a line break (comments end at one, strings may not span lines); split anyway to stay correct.
    const parts = text.split('\n');
    this.current += parts[0];
    for (let i = 1; i < parts.length; i++) {
      this.lines.push(this.current);
      this.current = parts[i];
    }
  }

  /** End the current line without its trailing spaces, and add an empty line after it when `blank`. */
  newline(blank: boolean): void {
    this.lines.push(this.trimmed(this.current));
    if (blank) this.lines.push('');
    this.current = '';
  }

  /** Drop a comma that ends the current line (a list's trailing comma). */
  dropTrailingComma(): void {
    this.scanned++;
    if (this.current.endsWith(',')) this.current = this.current.slice(0, -1);
  }

  /** The text: trailing spaces removed from every line, no leading blank lines, exactly one final newline (none when empty). */
  text(): string {
    const all = [...this.lines, this.current];
    let first = 0;
    while (first < all.length && this.trimmed(all[first]) === '') first++;
    let last = all.length;
    while (last > first && this.trimmed(all[last - 1]) === '') last--;
    if (first === last) return '';
    const out: string[] = [];
    for (let i = first; i < last; i++) out.push(this.trimmed(all[i]));
    return `${out.join('\n')}\n`;
  }

  private trimmed(line: string): string {
    let end = line.length;
    while (end > 0 && line.charCodeAt(end - 1) === 32) end--;
    this.scanned += line.length - end + 1;
    return line.slice(0, end);
  }
}
