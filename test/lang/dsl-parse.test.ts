import { describe, expect, it } from 'vitest';
import { parseGlobe } from '../../lang/dsl/index.js';
import { checkGrammarDefinitions } from '../../lang/dsl/parser.js';

const world = `resource h100 { unit = gpu  cost = 3.0 }
region us-east { locality = na  supply { h100 = 40  cpu = 800 } }
latency {
  us-east <-> us-west = 62ms
  paris <-> us-east = 0.08s
}
`;

function codes(text: string) {
  return parseGlobe(text, 'x.globe').diagnostics.map((d) => `${d.code}@${d.span.start.line}:${d.span.start.col}`);
}

describe('DSL → Spec', () => {
  it('reads resources, regions and a symmetric latency table in canonical units', () => {
    const { spec, diagnostics } = parseGlobe(world, 'w.globe');
    expect(diagnostics).toEqual([]);
    expect(spec.resources.h100).toEqual({ unit: 'gpu', cost: 3 });
    expect(spec.regions['us-east']).toEqual({ locality: 'na', supply: { h100: 40, cpu: 800 } });
    // pairs are stored with names sorted; seconds become milliseconds
    expect(spec.latency).toEqual([
      { a: 'paris', b: 'us-east', ms: 80 },
      { a: 'us-east', b: 'us-west', ms: 62 },
    ]);
  });

  it('reads a tenant with every property and applies documented defaults', () => {
    const { spec, diagnostics, sourceMap } = parseGlobe(
      `service inference {
  tenant ranker {
    priority = 100
    demand read { us-east = 200rps  eu-west = 800rps }
    latency read < continental
    replica h100 x1 serves 500rps
    replica a100 x2 serves 400rps
    target_utilization = 80%
    tolerate region-failure
    avoid [ap-south]
    only_in [us-east, eu-west]
    min_replicas = 1
    max_replicas = 40
    max_surge = 4
  }
  tenant tiny { demand x { a = 1rps } latency x < 5ms replica cpu x1 serves 10rps }
}`,
      's.globe',
    );
    expect(diagnostics).toEqual([]);
    expect(spec.services.inference.tenants.ranker).toEqual({
      priority: 100,
      demand: { read: { 'us-east': 200, 'eu-west': 800 } },
      latency: { read: 70 },
      replicas: { h100: { units: 1, serves: 500 }, a100: { units: 2, serves: 400 } },
      targetUtilization: 0.8,
      tolerateRegionFailure: true,
      avoid: ['ap-south'],
      onlyIn: ['us-east', 'eu-west'],
      minReplicasPerRegion: 1,
      maxReplicasPerRegion: 40,
      maxSurge: 4,
    });
    const tiny = spec.services.inference.tenants.tiny;
    expect([tiny.priority, tiny.targetUtilization, tiny.tolerateRegionFailure, tiny.maxSurge]).toEqual([0, 1, false, undefined]);
    expect(sourceMap.get('services/inference/tenants/ranker')).toEqual({ file: 's.globe', start: { line: 2, col: 10 }, end: { line: 2, col: 15 } });
    expect(sourceMap.get('services/inference/tenants/ranker/demand/read/eu-west')?.start).toEqual({ line: 4, col: 37 });
  });

  it('reads reservations, products with traffic shares, followers, backends and planner settings', () => {
    const { spec, diagnostics } = parseGlobe(
      `reservation batch { cpu = 300  in na  tolerate region-failure }
product fb { traffic { a = 60%  b = 40% } total = 1000 latency < 70ms avoid [c] }
service feed { follows fb { cpu = 0.96 per unit } residual { a { cpu = 12 } } tolerate region-failure }
backend exec { get_state = ["./h", "get"] upsize = ["./h", "up"] route = ["./h", "route"] downsize = ["./h", "down"] timeout = 5s }
planner { churn = 0.5  time_limit = 2s  gap = 0.1% }`,
      'p.globe',
    );
    expect(diagnostics).toEqual([]);
    expect(spec.reservations.batch).toEqual({ resource: 'cpu', amount: 300, locality: 'na', tolerateRegionFailure: true });
    expect(spec.products.fb).toEqual({ demand: { a: 600, b: 400 }, latency: 70, avoid: ['c'], tolerateRegionFailure: false });
    expect(spec.services.feed).toEqual({ tenants: {}, follows: { fb: { perUnit: { cpu: 0.96 } } }, residual: { a: { cpu: 12 } }, tolerateRegionFailure: true });
    expect(spec.backend).toEqual({
      kind: 'exec',
      commands: { getState: ['./h', 'get'], upsize: ['./h', 'up'], route: ['./h', 'route'], downsize: ['./h', 'down'] },
      timeoutMs: 5000,
    });
    expect(spec.planner).toEqual({ weights: { churn: 0.5 }, timeLimitSeconds: 2, gapLimit: 0.001 });
  });

  it('defaults the file backend path and the postgres settings', () => {
    expect(parseGlobe('backend file { }', 'b').spec.backend).toEqual({ kind: 'file', path: '.globe/state.json' });
    expect(parseGlobe('backend postgres { url_env = PG_URL }', 'b').spec.backend).toEqual({ kind: 'postgres', urlEnv: 'PG_URL', schema: 'globe' });
  });
});

describe('DSL diagnostics', () => {
  it('reports a missing unit and a wrong unit at the value', () => {
    expect(codes('service s { tenant t {\n latency read < 70\n demand read { a = 20ms }\n replica c x1 serves 1rps } }')).toEqual([
      'missing-unit@2:17',
      'wrong-unit@3:20',
    ]);
  });

  it('suggests the keyword a typo was meant to be', () => {
    const d = parseGlobe('service s { tenant t { priorty = 3 } }', 'x.globe').diagnostics[0];
    expect(d.code).toBe('unknown-keyword');
    expect(d.message).toContain('did you mean `priority`');
    expect(d.span).toEqual({ file: 'x.globe', start: { line: 1, col: 24 }, end: { line: 1, col: 30 } });
  });

  it('points an unterminated block at its opening brace', () => {
    expect(codes('region a { locality = na\n\nresource b { unit = x }\n')).toContain('unterminated-block@1:10');
  });

  it('reports every syntax error of a file, not just the first', () => {
    const found = codes('region a { locality = = na }\nresource b { unit = }\nresource c { unit = x cost = 1 }\nregion d { locality = ] }');
    expect(found).toEqual(['syntax@1:23', 'syntax@2:21', 'syntax@4:23']);
  });

  it('reports duplicates with the first definition as related information', () => {
    const d = parseGlobe('resource a { unit = x }\nresource a { unit = y }', 'x.globe').diagnostics;
    expect(d).toHaveLength(1);
    expect(d[0].code).toBe('duplicate');
    expect(d[0].span.start).toEqual({ line: 2, col: 10 });
    expect(d[0].related?.[0].span.start).toEqual({ line: 1, col: 10 });
  });

  it('rejects out-of-range and non-integer values', () => {
    expect(codes('service s { tenant t { target_utilization = 120% } }')).toEqual(['invalid-value@1:45']);
    expect(codes('service s { tenant t { priority = 1.5 } }')).toEqual(['not-integer@1:35']);
    expect(codes('region r { locality = na supply { cpu = 2.5 } }')).toEqual(['not-integer@1:41']);
    expect(codes('service s { tenant t { replica cpu x0 serves 1rps } }')).toEqual(['invalid-value@1:36']);
  });

  it('rejects invalid names and traffic shares that do not add up', () => {
    expect(codes('region US_East { locality = na }')).toEqual(['invalid-name@1:8']);
    expect(codes('product p { traffic { a = 60%  b = 30% } latency < 1ms }')).toEqual(['traffic-sum@1:13']);
  });

  it('reports contradictory latency pairs', () => {
    expect(codes('latency {\n a <-> b = 5ms\n b <-> a = 6ms\n}')).toEqual(['latency-conflict@3:2']);
  });

  it('warns about an empty file', () => {
    expect(parseGlobe('  # nothing\n', 'e.globe').diagnostics.map((d) => [d.severity, d.code])).toEqual([['warning', 'empty-file']]);
  });

  it('refuses stray characters with a position', () => {
    expect(codes('region a { locality = na } @@@')).toEqual(['syntax@1:28']);
  });
});

describe('the grammar', () => {
  it('passes chevrotain’s definition checks, which the CLI skips at start-up', () => {
    expect(() => checkGrammarDefinitions()).not.toThrow();
  });
});
