/**
 * What every semantic check needs: the Spec, where things were written, and
 * a place to put what it finds.
 */
import { error, warning, type Diagnostic, type DiagnosticCode, type SourceSpan } from '../diagnostics.js';
import { lookupSpan, type SourceMap } from '../source-map.js';
import { DEFAULT_SELF_RTT_MS, type Spec } from '../spec.js';

export class CheckContext {
  readonly diagnostics: Diagnostic[] = [];
  /** Every client location: the regions and the edge locations named in the latency table. */
  readonly locations: Set<string>;
  private readonly rtt = new Map<string, number>();

  constructor(
    readonly spec: Spec,
    private readonly sourceMap: SourceMap,
  ) {
    this.locations = new Set(Object.keys(spec.regions));
    for (const p of spec.latency) {
      this.locations.add(p.a);
      this.locations.add(p.b);
      this.rtt.set(`${p.a}\u0000${p.b}`, p.ms);
      this.rtt.set(`${p.b}\u0000${p.a}`, p.ms);
    }
  }

  /** Round-trip time between two locations; Infinity when the table does not connect them. */
  latency(a: string, b: string): number {
    return this.rtt.get(`${a}\u0000${b}`) ?? (a === b ? DEFAULT_SELF_RTT_MS : Infinity);
  }

  /** Whether the user wrote something at this path (even if its value was rejected). */
  written(path: string): boolean {
    return this.sourceMap.has(path);
  }

  /** Whether the user wrote anything below this path (a replica option whose value was rejected, say). */
  writtenUnder(path: string): boolean {
    if (!this.prefixes) {
      // Every proper prefix of every written path, once: a scan per question would make checking quadratic.
      this.prefixes = new Set();
      for (const key of this.sourceMap.keys()) {
        for (let i = key.indexOf('/'); i >= 0; i = key.indexOf('/', i + 1)) this.prefixes.add(key.slice(0, i));
      }
    }
    return this.prefixes.has(path);
  }

  private prefixes: Set<string> | undefined;

  span(path: string): SourceSpan {
    return lookupSpan(this.sourceMap, path) ?? { file: '<project>', start: { line: 1, col: 1 }, end: { line: 1, col: 1 } };
  }

  error(code: DiagnosticCode, message: string, path: string, related?: Diagnostic['related']): void {
    this.diagnostics.push(error(code, message, this.span(path), related));
  }

  warn(code: DiagnosticCode, message: string, path: string): void {
    this.diagnostics.push(warning(code, message, this.span(path)));
  }
}
