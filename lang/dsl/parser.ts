/**
 * The chevrotain grammar of the DSL, with error recovery on so that one run
 * reports every syntax error it can. It builds the generic tree of `ast.ts`.
 */
import type { IParserErrorMessageProvider, IRecognitionException, IToken, TokenType } from 'chevrotain';
import { EmbeddedActionsParser, EOF } from './chevrotain.js';
import type { Statement, Value } from './ast.js';
import {
  allTokens,
  AnyName,
  BiArrow,
  Comma,
  Equals,
  Kw,
  LBrace,
  LBracket,
  Less,
  makeGlobeLexer,
  Multiplier,
  NumberLit,
  Quantity,
  RBrace,
  RBracket,
  StringLit,
} from './lexer.js';

/** Describe a token the way a user reads it: its text, or "end of file". */
export function describeToken(token: IToken): string {
  if (token.tokenType === EOF) return 'end of file';
  return `\`${token.image}\``;
}

function label(type: TokenType): string {
  if (type.LABEL) return type.LABEL;
  switch (type.name) {
    case 'AnyName':
      return 'a name';
    case 'Quantity':
      return 'a number with a unit';
    case 'Number':
      return 'a number';
    case 'String':
      return 'a string';
    case 'Multiplier':
      return 'units per replica (`x1`, `x2`, ...)';
    default:
      return type.name;
  }
}

/**
 * chevrotain's default messages list every token path (dozens of lines);
 * users need one line: what was expected, what was found.
 */
const shortMessages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage: ({ expected, actual }) => `expected ${label(expected)}, found ${describeToken(actual)}`,
  buildNotAllInputParsedMessage: ({ firstRedundant }) => `unexpected ${describeToken(firstRedundant)}`,
  buildNoViableAltMessage: ({ expectedPathsPerAlt, actual, ruleName }) => {
    const firsts = new Set<string>();
    for (const paths of expectedPathsPerAlt) for (const path of paths) if (path[0]) firsts.add(label(path[0]));
    const found = actual[0] ? describeToken(actual[0]) : 'end of file';
    if (ruleName === 'statement' || ruleName === 'generalStatement') return `expected a statement, found ${found}`;
    if (ruleName === 'value') return `expected a value (a number, a quantity such as \`70ms\`, a name, a string or a list), found ${found}`;
    return `expected ${[...firsts].join(' or ')}, found ${found}`;
  },
  buildEarlyExitMessage: ({ actual }) => `unexpected ${actual[0] ? describeToken(actual[0]) : 'end of file'}`,
};

class GlobeParser extends EmbeddedActionsParser {
  /** `validate`: chevrotain's grammar checks (see makeGlobeLexer). */
  constructor(validate = false) {
    super(allTokens, { recoveryEnabled: true, maxLookahead: 4, errorMessageProvider: shortMessages, skipValidations: !validate });
    this.performSelfAnalysis();
  }

  /**
   * Recovery may pretend a missing token was there, but never an opening
   * bracket: in a run of stray words every inserted `{` would open one more
   * nested block, and a long enough run would exhaust the stack.
   */
  protected override canTokenTypeBeInsertedInRecovery(tokType: TokenType): boolean {
    return tokType !== LBrace && tokType !== LBracket;
  }

  public file = this.RULE('file', (): Statement[] => {
    const statements: Statement[] = [];
    this.MANY(() => {
      const s = this.SUBRULE(this.statement);
      if (s) statements.push(s);
    });
    return statements;
  });

  private statement = this.RULE(
    'statement',
    (): Statement | undefined =>
      this.OR({
        IGNORE_AMBIGUITIES: true,
        DEF: [
          { ALT: () => this.SUBRULE(this.latencyStatement) },
          { ALT: () => this.SUBRULE(this.replicaStatement) },
          { ALT: () => this.SUBRULE(this.tolerateStatement) },
          { ALT: () => this.SUBRULE(this.listStatement) },
          { ALT: () => this.SUBRULE(this.inStatement) },
          { ALT: () => this.SUBRULE(this.generalStatement) },
        ],
      }),
    { recoveryValueFunc: () => undefined },
  );

  /** `latency { pairs }`, `latency CLASS < v`, `latency < v`. */
  private latencyStatement = this.RULE('latencyStatement', (): Statement => {
    const keyword = this.CONSUME(Kw.latency);
    return this.OR([
      {
        ALT: () => {
          const { open, body, close } = this.SUBRULE(this.block);
          return { kind: 'block', keyword, open, body, close } as Statement;
        },
      },
      {
        ALT: () => {
          let cls: IToken | undefined;
          this.OPTION(() => {
            cls = this.CONSUME(AnyName);
          });
          this.CONSUME(Less);
          const value = this.SUBRULE(this.value);
          return { kind: 'threshold', keyword, cls, value } as Statement;
        },
      },
    ]);
  });

  private replicaStatement = this.RULE('replicaStatement', (): Statement => {
    const keyword = this.CONSUME(Kw.replica);
    const resource = this.CONSUME(AnyName);
    const multiplier = this.CONSUME(Multiplier);
    this.CONSUME(Kw.serves);
    const serves = this.SUBRULE(this.value);
    return { kind: 'replica', keyword, resource, multiplier, serves };
  });

  private tolerateStatement = this.RULE('tolerateStatement', (): Statement => {
    const keyword = this.CONSUME(Kw.tolerate);
    const what = this.CONSUME(AnyName);
    let mode: IToken | undefined;
    this.OPTION(() => {
      mode = this.OR([{ ALT: () => this.CONSUME(Kw.strict) }, { ALT: () => this.CONSUME(Kw.aggregate) }]);
    });
    return { kind: 'tolerate', keyword, what, mode };
  });

  private listStatement = this.RULE('listStatement', (): Statement => {
    const keyword = this.OR([{ ALT: () => this.CONSUME(Kw.avoid) }, { ALT: () => this.CONSUME(Kw.only_in) }]);
    const value = this.SUBRULE(this.list);
    return { kind: 'list', keyword, value };
  });

  private inStatement = this.RULE('inStatement', (): Statement => {
    const keyword = this.CONSUME(Kw.in);
    const locality = this.CONSUME(AnyName);
    return { kind: 'in', keyword, locality };
  });

  /**
   * Everything that starts with a word: `key = value [per unit]`,
   * `a <-> b = value`, `KEYWORD [NAME] { ... }`, `NAME { ... }`.
   */
  private generalStatement = this.RULE('generalStatement', (): Statement => {
    const head = this.CONSUME(AnyName);
    return this.OR([
      {
        ALT: () => {
          this.CONSUME(Equals);
          const value = this.SUBRULE(this.value);
          let perUnit: IToken | undefined;
          this.OPTION(() => {
            perUnit = this.CONSUME(Kw.per);
            this.CONSUME4(AnyName);
          });
          return { kind: 'attribute', key: head, value, perUnit } as Statement;
        },
      },
      {
        ALT: () => {
          this.CONSUME(BiArrow);
          const b = this.CONSUME2(AnyName);
          this.CONSUME2(Equals);
          const value = this.SUBRULE2(this.value);
          return { kind: 'pair', a: head, b, value } as Statement;
        },
      },
      {
        ALT: () => {
          let name: IToken | undefined;
          this.OPTION2(() => {
            name = this.CONSUME3(AnyName);
          });
          const { open, body, close } = this.SUBRULE(this.block);
          return { kind: 'block', keyword: head, name, open, body, close } as Statement;
        },
      },
    ]);
  });

  private block = this.RULE(
    'block',
    (): { open: IToken; body: Statement[]; close?: IToken } => {
      const open = this.CONSUME(LBrace);
      const body: Statement[] = [];
      this.MANY(() => {
        const s = this.SUBRULE(this.statement);
        if (s) body.push(s);
      });
      const close = this.CONSUME(RBrace);
      return { open, body, close: close.isInsertedInRecovery ? undefined : close };
    },
    { recoveryValueFunc: () => ({ open: undefined as unknown as IToken, body: [] }) },
  );

  private value = this.RULE(
    'value',
    (): Value =>
      this.OR([
        { ALT: () => ({ kind: 'quantity', token: this.CONSUME(Quantity) }) as Value },
        { ALT: () => ({ kind: 'number', token: this.CONSUME(NumberLit) }) as Value },
        { ALT: () => ({ kind: 'string', token: this.CONSUME(StringLit) }) as Value },
        { ALT: () => ({ kind: 'name', token: this.CONSUME(AnyName) }) as Value },
        { ALT: () => this.SUBRULE(this.list) },
      ]),
    { recoveryValueFunc: () => undefined as unknown as Value },
  );

  private list = this.RULE(
    'list',
    (): Value => {
      const open = this.CONSUME(LBracket);
      const items: Value[] = [];
      this.MANY(() => {
        const v = this.OR([
          { ALT: () => ({ kind: 'quantity', token: this.CONSUME(Quantity) }) as Value },
          { ALT: () => ({ kind: 'number', token: this.CONSUME(NumberLit) }) as Value },
          { ALT: () => ({ kind: 'string', token: this.CONSUME(StringLit) }) as Value },
          { ALT: () => ({ kind: 'name', token: this.CONSUME(AnyName) }) as Value },
        ]);
        items.push(v);
        this.OPTION(() => this.CONSUME(Comma));
      });
      const close = this.CONSUME(RBracket);
      return { kind: 'list', open, items, close: close.isInsertedInRecovery ? undefined : close };
    },
    { recoveryValueFunc: () => undefined as unknown as Value },
  );
}

/** One parser instance for the process: chevrotain's self-analysis is costly. */
const parser = new GlobeParser();

/** Builds the lexer and the parser with chevrotain's definition checks: each throws on a faulty grammar. */
export function checkGrammarDefinitions(): void {
  makeGlobeLexer(true);
  new GlobeParser(true);
}

export interface ParsedTokens {
  statements: Statement[];
  errors: IRecognitionException[];
}

export function parseTokens(tokens: IToken[]): ParsedTokens {
  parser.input = tokens;
  const statements = parser.file() ?? [];
  return { statements, errors: [...parser.errors] };
}
