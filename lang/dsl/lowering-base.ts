/**
 * What every part of the DSL's lowering shares: source positions, reporting,
 * claiming a Spec path in the SourceMap, and reading a statement's value as
 * a count, a quantity, a name, a list or a string, each with its own error.
 * The statements' meanings are in to-spec.ts.
 */
import type { IToken } from 'chevrotain';
import { error, type Diagnostic, type DiagnosticCode, type SourceSpan } from '../diagnostics.js';
import type { SourceMap } from '../source-map.js';
import { emptySpec, LATENCY_TIERS, type Spec } from '../spec.js';
import { isLatencyTier, NUMBER_MAX, parseQuantity, plainDecimal, type QuantityKind } from '../units.js';
import { firstToken, type Statement, type Value } from './ast.js';

export const NAME_PATTERN = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

export abstract class LoweringBase {
  readonly spec: Spec = emptySpec();
  readonly sourceMap: SourceMap = new Map();
  readonly diagnostics: Diagnostic[] = [];

  constructor(protected readonly file: string) {}

  // ---- positions and reporting -------------------------------------------------

  span(from: IToken, to: IToken = from): SourceSpan {
    return {
      file: this.file,
      start: { line: from.startLine ?? 1, col: from.startColumn ?? 1 },
      end: { line: to.endLine ?? to.startLine ?? 1, col: to.endColumn ?? to.startColumn ?? 1 },
    };
  }

  valueSpan(v: Value): SourceSpan {
    return v.kind === 'list' ? this.span(v.open, v.close ?? v.open) : this.span(v.token);
  }

  report(code: DiagnosticCode, message: string, span: SourceSpan, related?: Diagnostic['related']): void {
    this.diagnostics.push(error(code, message, span, related));
  }

  /** Record a definition at `path`; false (and a diagnostic) when it is already defined. */
  define(path: string, token: IToken, what: string): boolean {
    const previous = this.sourceMap.get(path);
    const span = this.span(token);
    if (previous) {
      this.report('duplicate', `${what} is defined more than once`, span, [{ message: 'first defined here', span: previous }]);
      return false;
    }
    this.sourceMap.set(path, span);
    return true;
  }

  /**
   * Claim the property `key = value` at `path`: false (and a diagnostic
   * pointing back at the first) when the block already gave it, since
   * silently keeping either value would be a guess. The source map then
   * points at the value.
   */
  property(path: string, key: IToken, value: SourceSpan, what: string): boolean {
    if (!this.define(path, key, what)) return false;
    this.at(path, value);
    return true;
  }

  at(path: string, span: SourceSpan): void {
    this.sourceMap.set(path, span);
  }

  name(token: IToken, what: string): string {
    if (!NAME_PATTERN.test(token.image)) {
      this.report(
        'invalid-name',
        `\`${token.image}\` is not a valid ${what} name: use lower case letters, digits and single dashes, starting with a letter`,
        this.span(token),
      );
    }
    return token.image;
  }

  misplaced(stmt: Statement, expected: string): void {
    const tok = firstToken(stmt);
    this.report('syntax', `\`${tok.image}\` must be written as ${expected}`, this.span(tok));
  }

  // ---- values --------------------------------------------------------------------

  count(v: Value, what: string, integer = false): number | undefined {
    if (v.kind === 'number') {
      const n = Number(v.token.image);
      if (!(n <= NUMBER_MAX)) {
        this.report('invalid-value', `${what} is at most ${NUMBER_MAX}, found \`${v.token.image}\``, this.span(v.token));
        return undefined;
      }
      if (/[eE]/.test(v.token.image)) {
        this.report('invalid-value', `numbers are written without an exponent: write \`${plainDecimal(n)}\`, not \`${v.token.image}\``, this.span(v.token));
        return undefined;
      }
      if (integer && !Number.isInteger(n)) {
        this.report('not-integer', `${what} must be a whole number, found \`${v.token.image}\``, this.span(v.token));
        return undefined;
      }
      return n;
    }
    if (v.kind === 'quantity') {
      this.report('wrong-unit', `${what} is a plain number without a unit, found \`${v.token.image}\``, this.span(v.token));
      return undefined;
    }
    this.report('invalid-value', `${what} must be a number`, this.valueSpan(v));
    return undefined;
  }

  quantity(v: Value, kind: QuantityKind, what: string): number | undefined {
    if (v.kind === 'list' || v.kind === 'string' || (v.kind === 'name' && !(kind === 'latency' && isLatencyTier(v.token.image)))) {
      const tiers = kind === 'latency' ? ` or a tier (${Object.keys(LATENCY_TIERS).join(', ')})` : '';
      this.report('invalid-value', `${what} must be a quantity with a unit${tiers}`, this.valueSpan(v));
      return undefined;
    }
    const r = parseQuantity(v.token.image, kind);
    if (!r.ok) {
      this.report(r.code, `${what}: ${r.message}`, this.span(v.token));
      return undefined;
    }
    return r.value;
  }

  nameValue(v: Value, what: string): string | undefined {
    if (v.kind !== 'name') {
      this.report('invalid-value', `${what} must be a name`, this.valueSpan(v));
      return undefined;
    }
    return this.name(v.token, what);
  }

  nameList(v: Value, what: string, path: string): string[] {
    if (v.kind !== 'list') {
      this.report('invalid-value', `${what} must be a list of names, e.g. [us-east, eu-west]`, this.valueSpan(v));
      return [];
    }
    const out: string[] = [];
    for (const item of v.items) {
      if (item.kind !== 'name') {
        this.report('invalid-value', `${what} must list names`, this.valueSpan(item));
        continue;
      }
      this.at(`${path}/${out.length}`, this.span(item.token));
      out.push(this.name(item.token, 'region'));
    }
    return out;
  }

  stringList(v: Value, what: string): string[] | undefined {
    if (v.kind !== 'list' || v.items.some((i) => i.kind !== 'string')) {
      this.report('invalid-value', `${what} must be a list of strings (an argv array), e.g. ["./hooks/hook", "upsize"]`, this.valueSpan(v));
      return undefined;
    }
    const parsed = v.items.map((i) => this.stringValue(i, what));
    if (parsed.some((a) => a === undefined)) return undefined;
    const argv = parsed as string[];
    if (argv.length === 0) {
      this.report('invalid-value', `${what} must name a command: the list is empty`, this.valueSpan(v));
      return undefined;
    }
    return argv;
  }

  stringValue(v: Value, what: string): string | undefined {
    if (v.kind !== 'string') {
      this.report('invalid-value', `${what} must be a string in double quotes`, this.valueSpan(v));
      return undefined;
    }
    try {
      return JSON.parse(v.token.image) as string;
    } catch {
      this.report('invalid-value', `${what}: not a valid string (allowed escapes: \\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX; no tabs or control characters)`, this.span(v.token));
      return undefined;
    }
  }

  /** The body of a block statement, or undefined (and a diagnostic) if the statement is not a block. */
  blockBody(stmt: Statement, expected: string): Statement[] | undefined {
    if (stmt.kind !== 'block') {
      this.misplaced(stmt, expected);
      return undefined;
    }
    return stmt.body;
  }

  /** Entries `key = value` of a map block (supply, demand, traffic, ...). */
  entries(body: Statement[], context: string, onEntry: (key: IToken, value: Value) => void): void {
    for (const s of body) {
      if (s.kind === 'attribute' && !s.perUnit) onEntry(s.key, s.value);
      else this.report('syntax', `only \`name = value\` entries may appear in ${context}`, this.span(firstToken(s)));
    }
  }
}
