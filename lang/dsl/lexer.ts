/**
 * Tokens of the globe DSL.
 *
 * Keywords are their own token types but also belong to the `AnyName`
 * category, so a keyword can still be used where a name is expected (a
 * request class called `read`, a tier called `global`). Words that are not
 * valid names (upper case, underscores) lex as `Word` rather than failing the
 * lexer, so that `target_utilisation = 80%` becomes "unknown keyword, did you
 * mean target_utilization?" instead of "unexpected character".
 */
import type { Lexer as ChevrotainLexer, TokenType } from 'chevrotain';
import { createToken, Lexer } from './chevrotain.js';

export const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /[ \t\r\n\f\v]+/, group: Lexer.SKIPPED });
export const Comment = createToken({ name: 'Comment', pattern: /#[^\n\r]*/, group: 'comments' });

export const AnyName = createToken({ name: 'AnyName', pattern: Lexer.NA });
/** Anything word-like that is not a valid name: reported as such by the lowering pass. */
export const Word = createToken({
  name: 'Word',
  pattern: /[A-Za-z_][A-Za-z0-9_-]*/,
  categories: [AnyName],
});

export const Name = createToken({
  name: 'Name',
  pattern: /[a-z][a-z0-9]*(?:-[a-z0-9]+)*/,
  longer_alt: Word,
  categories: [AnyName],
});
/** `x2` in `replica a100 x2 serves 400rps`: units per replica. Reserved: no name may look like this. */
export const Multiplier = createToken({ name: 'Multiplier', pattern: /x[0-9]+(?![a-zA-Z0-9_-])/ });

/** A number glued to a unit suffix: `62ms`, `200rps`, `80%`, `30s` (the unit is checked when lowering). */
export const Quantity = createToken({ name: 'Quantity', pattern: /[0-9]+(?:\.[0-9]+)?(?:[a-zA-Z]+|%)/ });
export const NumberLit = createToken({ name: 'Number', pattern: /[0-9]+(?:\.[0-9]+)?/ });
export const StringLit = createToken({ name: 'String', pattern: /"(?:[^"\\\n\r]|\\.)*"/ });

export const LBrace = createToken({ name: 'LBrace', pattern: /{/, label: "'{'" });
export const RBrace = createToken({ name: 'RBrace', pattern: /}/, label: "'}'" });
export const LBracket = createToken({ name: 'LBracket', pattern: /\[/, label: "'['" });
export const RBracket = createToken({ name: 'RBracket', pattern: /]/, label: "']'" });
export const Comma = createToken({ name: 'Comma', pattern: /,/, label: "','" });
export const BiArrow = createToken({ name: 'BiArrow', pattern: /<->/, label: "'<->'" });
export const Less = createToken({ name: 'Less', pattern: /</, label: "'<'" });
export const Equals = createToken({ name: 'Equals', pattern: /=/, label: "'='" });

/**
 * A keyword. `reserved` keywords start statements of their own shape
 * (`replica`, `tolerate`, ...) and cannot be names: that lets the parser pick
 * the statement from its first token, so an error inside one is reported
 * where it is, not as "expected a statement".
 */
function keyword(word: string, reserved = false): TokenType {
  return createToken({
    name: `Kw_${word}`,
    pattern: new RegExp(word),
    longer_alt: word.includes('_') ? Word : [Name, Word],
    categories: reserved ? [] : [AnyName],
    label: `'${word}'`,
  });
}

/** Statement keywords; the lowering pass decides where each is allowed. */
export const Kw = {
  resource: keyword('resource'),
  region: keyword('region'),
  latency: keyword('latency', true),
  service: keyword('service'),
  tenant: keyword('tenant'),
  reservation: keyword('reservation'),
  product: keyword('product'),
  backend: keyword('backend'),
  planner: keyword('planner'),
  supply: keyword('supply'),
  demand: keyword('demand'),
  traffic: keyword('traffic'),
  replica: keyword('replica', true),
  serves: keyword('serves'),
  tolerate: keyword('tolerate', true),
  strict: keyword('strict'),
  aggregate: keyword('aggregate'),
  avoid: keyword('avoid', true),
  only_in: keyword('only_in', true),
  follows: keyword('follows'),
  residual: keyword('residual'),
  per: keyword('per'),
  in: keyword('in', true),
} as const;

// Order matters: multi-char operators before their prefixes, keywords before
// Name (longer_alt hands `regions` back to Name), Quantity before Number.
export const allTokens: TokenType[] = [
  WhiteSpace,
  Comment,
  BiArrow,
  Less,
  Equals,
  LBrace,
  RBrace,
  LBracket,
  RBracket,
  Comma,
  StringLit,
  Quantity,
  NumberLit,
  Multiplier,
  ...Object.values(Kw),
  Name,
  Word,
  AnyName,
];

/**
 * chevrotain checks a lexer's and a parser's definitions when they are built:
 * a fifth of a small `globe plan`'s start-up. The grammar is fixed at build
 * time, so the shipped CLI skips the checks and a test runs them
 * (checkGrammarDefinitions in parser.ts).
 */
export function makeGlobeLexer(validate: boolean): ChevrotainLexer {
  return new Lexer(allTokens, { positionTracking: 'full', ensureOptimizations: false, skipValidations: !validate });
}

export const globeLexer = makeGlobeLexer(false);
