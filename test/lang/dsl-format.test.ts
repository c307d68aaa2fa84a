import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../lang/canonical-json.js';
import { emitGlobe, formatGlobe, parseGlobe } from '../../lang/dsl/index.js';
import { formatGlobeCounted } from '../../lang/dsl/format.js';
import { ROOT } from '../support/cli.js';

const messy = `# World file
resource h100 {unit=gpu cost=3.0}   # trailing comment


region us-east { locality = na  supply { h100 = 40  cpu = 800 } }
latency {
  us-east <-> us-west = 62ms

     us-east<->eu-west=75ms # transatlantic
}
# the inference service
service inference {
  tenant ranker {
    demand read { us-east = 200rps }
        latency read < continental
    replica h100 x1 serves 500rps
    avoid [ap-south us-west,]
  }
}`;

const expected = `# World file
resource h100 { unit = gpu  cost = 3.0 }  # trailing comment

region us-east { locality = na  supply { h100 = 40  cpu = 800 } }

latency {
  us-east <-> us-west = 62ms

  us-east <-> eu-west = 75ms  # transatlantic
}

# the inference service
service inference {
  tenant ranker {
    demand read { us-east = 200rps }
    latency read < continental
    replica h100 x1 serves 500rps
    avoid [ap-south, us-west]
  }
}
`;

const globeFiles = readdirSync(join(ROOT, 'examples'), { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.globe') && !f.split('/').some((part) => part.startsWith('.')))
  .sort();

describe('globe fmt', () => {
  it('produces the canonical layout, keeping comments, blank lines inside blocks and number spellings', () => {
    expect(formatGlobe(messy, 'm.globe').text).toBe(expected);
  });

  it('is idempotent and never changes the meaning', () => {
    const once = formatGlobe(messy, 'm.globe').text;
    expect(formatGlobe(once, 'm.globe').text).toBe(once);
    expect(canonicalJson(parseGlobe(once, 'm').spec)).toBe(canonicalJson(parseGlobe(messy, 'm').spec));
  });

  it('leaves a file with syntax errors untouched and says why', () => {
    const bad = 'region a { locality = = na }';
    const r = formatGlobe(bad, 'b.globe');
    expect(r.text).toBe(bad);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['syntax']);
  });

  it.each([
    ['a statement continued after a comment', 'product p { traffic { a = 100% }  latency < 70ms }\nservice s {\n  follows # the product\n  p { cpu = 0.4 per unit }\n}\n'],
    ['a block opened after a comment', 'region a # the first\n{ locality = na }\n'],
    ['a list continued after a comment ending in a comma', 'service s {\n  tenant t {\n    avoid [a, # not here,\n      b]\n  }\n}\n'],
  ])('never moves code into a comment: %s', (_what, text) => {
    // Found by fuzzing: the token after a comment was written on the comment's line, so `residual {` became comment text.
    const once = formatGlobe(text, 'c.globe');
    expect(once.diagnostics).toEqual([]);
    const codes = (t: string) => parseGlobe(t, 'c.globe').diagnostics.map((d) => d.code);
    expect(codes(once.text)).toEqual(codes(text));
    expect(canonicalJson(parseGlobe(once.text, 'c.globe').spec)).toBe(canonicalJson(parseGlobe(text, 'c.globe').spec));
    expect(formatGlobe(once.text, 'c.globe').text).toBe(once.text);
  });

  it('formats a large file correctly with work linear in its size (no edit rescans the text written so far)', () => {
    // 2,000 copies, ~0.9 MB: the old formatter trimmed spaces with a regex over its whole output at every line
    // break (quadratic: 17 s for 500 kB). Each edit now touches the current line only; `scanned` counts the
    // characters those edits examine, which stays within a small multiple of the output's size.
    const blocks = (n: number, text: string) => Array.from({ length: n }, (_, i) => text.replace('inference', `inference${i}`)).join('\n');
    const small = formatGlobeCounted(blocks(200, messy), 'big.globe');
    const large = formatGlobeCounted(blocks(2000, messy), 'big.globe');
    expect(large.diagnostics).toEqual([]);
    expect(large.text).toBe(blocks(2000, expected));
    expect(large.text.length).toBeGreaterThan(800_000);
    expect(large.scanned).toBeLessThanOrEqual(2 * large.text.length);
    // Ten times the input, ten times the work (within rounding), never a hundred times.
    expect(large.scanned / small.scanned).toBeLessThan(10.5);
  });

  it.each(globeFiles)('examples/%s is already formatted', (file) => {
    const text = readFileSync(join(ROOT, 'examples', file), 'utf8');
    expect(formatGlobe(text, file).text).toBe(text);
  });
});

describe('emitGlobe (convert --to globe)', () => {
  it.each(globeFiles)('round-trips examples/%s through the Spec', (file) => {
    const original = parseGlobe(readFileSync(join(ROOT, 'examples', file), 'utf8'), file).spec;
    const emitted = emitGlobe(original);
    const back = parseGlobe(emitted, 'emitted.globe');
    expect(back.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(canonicalJson(back.spec)).toBe(canonicalJson(original));
    // emitted text is canonical: fmt leaves it alone
    expect(formatGlobe(emitted, 'e').text).toBe(emitted);
  });
});
