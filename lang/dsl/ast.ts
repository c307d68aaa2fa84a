/**
 * The DSL's syntax tree. It is deliberately generic — blocks, attributes and
 * a few fixed statement shapes — like HCL: the grammar says how statements
 * are built, the lowering pass (`to-spec.ts`) says which statement is allowed
 * where and what it means. That keeps the grammar small and lets "unknown
 * keyword `priorty` in tenant" be one message in one place.
 */
import type { IToken } from 'chevrotain';

export type Value =
  | { kind: 'number'; token: IToken }
  | { kind: 'quantity'; token: IToken }
  | { kind: 'name'; token: IToken }
  | { kind: 'string'; token: IToken }
  | { kind: 'list'; open: IToken; items: Value[]; close?: IToken };

export type Statement =
  /** `KEYWORD [NAME] { ... }` — also a named sub-block like `us-east { cpu = 12 }` (keyword is then the name). */
  | { kind: 'block'; keyword: IToken; name?: IToken; open: IToken; body: Statement[]; close?: IToken }
  /** `key = value` (attributes and map entries), optionally `per unit`. */
  | { kind: 'attribute'; key: IToken; value: Value; perUnit?: IToken }
  /** `a <-> b = value` in a latency table. */
  | { kind: 'pair'; a: IToken; b: IToken; value: Value }
  /** `latency [CLASS] < value`. */
  | { kind: 'threshold'; keyword: IToken; cls?: IToken; value: Value }
  /** `replica RESOURCE xU serves Nrps`. */
  | { kind: 'replica'; keyword: IToken; resource: IToken; multiplier: IToken; serves: Value }
  /** `tolerate WHAT [strict|aggregate]` (`strict` is the default meaning, kept for older files). */
  | { kind: 'tolerate'; keyword: IToken; what: IToken; mode?: IToken }
  /** `avoid [..]`, `only_in [..]`. */
  | { kind: 'list'; keyword: IToken; value: Value }
  /** `in LOCALITY`. */
  | { kind: 'in'; keyword: IToken; locality: IToken };

export function firstToken(s: Statement): IToken {
  switch (s.kind) {
    case 'block':
    case 'threshold':
    case 'replica':
    case 'tolerate':
    case 'list':
    case 'in':
      return s.keyword;
    case 'attribute':
      return s.key;
    case 'pair':
      return s.a;
  }
}
