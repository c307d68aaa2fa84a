/**
 * The plan as one self-contained HTML page (`--format html`): summary, largest changes and
 * warnings, a routing heatmap per request class, supply bars per region (before / after / peak
 * against supply) and the waves or moves as a timeline. No network: inline CSS and SVG, no
 * scripts, no web fonts — the page can be uploaded as a CI artifact and opened anywhere. Nothing
 * on it depends on time or the machine, so the same plan gives the same bytes.
 */
import type { TenantId } from '../../lang/spec.js';
import type { Move, Plan } from '../../schemas/plan.js';
import { num, pct, signed } from './format.js';
import { describeMove, drSentence, summarySentence } from './plan-facts.js';
import { markerDir, planShortId } from './plan-comment.js';
import { cmp, costChange, percentText, regionShifts, tenantsHalved } from './plan-highlights.js';
import { warningGroups } from './warning-groups.js';

const MAX_CLASSES = 8;
const MAX_AXIS = 30;
const MAX_BARS = 40;
const MAX_TIMELINE_MOVES = 25;

export function renderPlanHtml(plan: Plan, options: { dir?: string } = {}): string {
  const dir = options.dir === undefined ? '.' : markerDir(options.dir);
  const title = `globe plan ${planShortId(plan)}${dir === '.' ? '' : ` — ${dir}`}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
<h1>${esc(title)}</h1>
${summary(plan)}
${warnings(plan)}
${heatmaps(plan)}
${supplyBars(plan)}
${timeline(plan)}
</body>
</html>
`;
}

const CSS = `
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; margin: 24px; color: #1f2328; background: #fff; font-size: 14px; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; border-bottom: 1px solid #d0d7de; padding-bottom: 4px; }
table { border-collapse: collapse; } td, th { border: 1px solid #d0d7de; padding: 3px 6px; text-align: left; }
.heat td.cell { text-align: center; min-width: 64px; font-size: 12px; }
.heat td.changed { outline: 2px solid #cf222e; outline-offset: -2px; }
.warn { background: #fff8c5; border-left: 4px solid #d4a72c; padding: 6px 10px; }
.lane { display: inline-block; vertical-align: top; width: 30%; margin-right: 2%; }
.lane h3 { font-size: 14px; background: #ddf4ff; padding: 4px; } .lane li { font-size: 12px; }
.legend span { display: inline-block; width: 12px; height: 12px; margin: 0 4px 0 12px; vertical-align: middle; }
`;

function summary(plan: Plan): string {
  const s = plan.summary;
  const cost = costChange(plan);
  const shifts = regionShifts(plan).slice(0, 3);
  const halved = tenantsHalved(plan);
  const items = [
    ...shifts.map((r) => `<li>${esc(r.region)} ${esc(r.resource)}: ${num(r.before)} → ${num(r.after)} of ${num(r.supply)} (${signed(r.after - r.before)})</li>`),
    halved.length > 0 ? `<li>${halved.length} tenant(s) lose more than half their replicas: ${esc(halved.slice(0, 3).map((t) => `${t.tenant} ${t.before} → ${t.after}`).join('; '))}</li>` : '',
    `<li>Cost per period: ${num(cost.before)} → ${num(cost.after)} (${percentText(cost.percent)})</li>`,
  ];
  return `<section id="summary"><h2>Summary</h2>
<p><b>${esc(s.hasChanges ? summarySentence(plan) : 'No changes. The deployment already matches the intents.')}</b></p>
<p>Moves: ${s.movesByKind.upsize} upsize → ${s.movesByKind.route} route → ${s.movesByKind.shift} shift → ${s.movesByKind.downsize} downsize. Region loss: ${esc(drSentence(plan))}</p>
<h3>Largest changes</h3><ul>${items.join('')}</ul></section>`;
}

function warnings(plan: Plan): string {
  const groups = warningGroups(plan);
  if (groups.length === 0) return '';
  const body = groups
    .map((g) => `<h3>${esc(g.title)} (${g.count})</h3>${g.note ? `<p>${esc(g.note.replace(/`/g, ''))}</p>` : ''}<ul>${g.items.slice(0, 20).map((i) => `<li>${esc(i.replace(/\*\*|`/g, ''))}</li>`).join('')}${g.items.length > 20 ? `<li>… ${g.items.length - 20} more</li>` : ''}</ul>`)
    .join('');
  return `<section id="warnings" class="warn"><h2>Warnings</h2>${body}</section>`;
}

/**
 * Per class: requests per second from each client location to each serving region after the
 * plan (today's demand × the target's routing), shaded by size; a cell whose share changes is
 * outlined and shows old → new share.
 */
function heatmaps(plan: Plan): string {
  const after = new Map<string, Map<string, number>>(); // class → client|server → rps
  const changed = new Map<string, Map<string, string>>();
  for (const [S, svc] of Object.entries(plan.spec.services)) {
    for (const [T, tenant] of Object.entries(svc.tenants)) {
      const routing = plan.placement.target.tenants[`${S}/${T}` as TenantId]?.routing ?? {};
      for (const [cls, byClient] of Object.entries(tenant.demand)) {
        for (const [client, rps] of Object.entries(byClient)) {
          for (const [server, w] of Object.entries(routing[cls]?.[client] ?? {})) add(after, cls, `${client}|${server}`, rps * w);
        }
      }
    }
  }
  for (const t of plan.diff.tenants) for (const r of t.routing) {
    const m = changed.get(r.class) ?? new Map<string, string>();
    if (!m.has(`${r.client}|${r.server}`)) m.set(`${r.client}|${r.server}`, `${pct(r.from)} → ${pct(r.to)}`);
    changed.set(r.class, m);
  }
  const classes = [...new Set([...after.keys(), ...changed.keys()])].sort(cmp);
  if (classes.length === 0) return '';
  const shown = classes.slice(0, MAX_CLASSES).map((cls) => heatmap(cls, after.get(cls) ?? new Map(), changed.get(cls) ?? new Map())).join('');
  const more = classes.length > MAX_CLASSES ? `<p>… ${classes.length - MAX_CLASSES} more classes in the JSON plan.</p>` : '';
  return `<section id="routing"><h2>Routing by class</h2><p>Requests per second from each client (row) to each serving region (column) after the plan; outlined cells change (old → new share of a tenant's traffic, the first tenant listed).</p>${shown}${more}</section>`;
}

function heatmap(cls: string, rps: Map<string, number>, changed: Map<string, string>): string {
  const keys = [...new Set([...rps.keys(), ...changed.keys()])];
  const clients = [...new Set(keys.map((k) => k.split('|')[0]))].sort(cmp).slice(0, MAX_AXIS);
  const servers = [...new Set(keys.map((k) => k.split('|')[1]))].sort(cmp).slice(0, MAX_AXIS);
  const max = Math.max(1e-9, ...rps.values());
  const rows = clients.map((c) => {
    const cells = servers.map((s) => {
      const v = rps.get(`${c}|${s}`) ?? 0;
      const shade = Math.round(255 - (v / max) * 180);
      const note = changed.get(`${c}|${s}`);
      return `<td class="cell${note ? ' changed' : ''}" style="background: rgb(${shade},${Math.round(shade * 0.9 + 25)},255)">${v > 0 ? num(Math.round(v)) : ''}${note ? `<br><small>${esc(note)}</small>` : ''}</td>`;
    });
    return `<tr><th>${esc(c)}</th>${cells.join('')}</tr>`;
  });
  return `<h3>Class ${esc(cls)}</h3><table class="heat"><tr><th>client ╲ server</th>${servers.map((s) => `<th>${esc(s)}</th>`).join('')}</tr>${rows.join('')}</table>`;
}

function add(m: Map<string, Map<string, number>>, cls: string, key: string, v: number): void {
  const byKey = m.get(cls) ?? new Map<string, number>();
  byKey.set(key, (byKey.get(key) ?? 0) + v);
  m.set(cls, byKey);
}

/** One SVG: per (region, resource) that changes, bars for before, after and peak against its supply. */
function supplyBars(plan: Plan): string {
  const rows = plan.diff.regions
    .filter((r) => r.before !== r.after || r.peak !== r.after)
    .sort((a, b) => Math.abs(b.after - b.before) - Math.abs(a.after - a.before) || cmp(a.region, b.region) || cmp(a.resource, b.resource))
    .slice(0, MAX_BARS);
  if (rows.length === 0) return '';
  const W = 420;
  const rowH = 40;
  const bars = rows.map((r, i) => {
    const y = i * rowH;
    const w = (v: number) => Math.round((r.supply > 0 ? Math.min(1, v / r.supply) : 0) * W);
    return `<g transform="translate(0,${y})"><text x="0" y="20">${esc(`${r.region} ${r.resource}`)}</text>` +
      `<rect x="180" y="4" width="${W}" height="30" fill="#f6f8fa" stroke="#d0d7de"/>` +
      `<rect x="180" y="6" width="${w(r.before)}" height="8" fill="#8c959f"/>` +
      `<rect x="180" y="15" width="${w(r.after)}" height="8" fill="#0969da"/>` +
      `<rect x="180" y="24" width="${w(r.peak)}" height="8" fill="#bf8700"/>` +
      `<text x="${190 + W}" y="20">${num(r.before)} → ${num(r.after)} (peak ${num(r.peak)}) of ${num(r.supply)}</text></g>`;
  });
  return `<section id="supply"><h2>Supply by region</h2><p class="legend"><span style="background:#8c959f"></span>before<span style="background:#0969da"></span>after<span style="background:#bf8700"></span>peak during apply — each bar against the region's supply</p>
<svg xmlns="http://www.w3.org/2000/svg" width="${W + 440}" height="${rows.length * rowH}" font-size="12" font-family="DejaVu Sans, sans-serif">${bars.join('')}</svg></section>`;
}

/** The waves in order when the plan has them, else the moves in apply's three phases. */
function timeline(plan: Plan): string {
  if (plan.moves.length === 0) return '';
  const lanes: { title: string; moves: Move[]; note?: string }[] = plan.waves
    ? plan.waves.map((w) => ({ title: `Wave ${w.wave}`, note: w.reason, moves: plan.moves.filter((m) => m.wave === w.wave) }))
    : [
        { title: '1. Upsize', moves: plan.moves.filter((m) => m.kind === 'upsize') },
        { title: '2. Route and shift', moves: plan.moves.filter((m) => m.kind === 'route' || m.kind === 'shift') },
        { title: '3. Downsize', moves: plan.moves.filter((m) => m.kind === 'downsize') },
      ];
  const html = lanes.map((l) => {
    const items = l.moves.slice(0, MAX_TIMELINE_MOVES).map((m) => {
      const d = describeMove(m);
      return `<li>${esc(`${d.kind} ${d.subject} — ${d.detail.replace(/  /g, ' ')}`)}</li>`;
    });
    const more = l.moves.length > MAX_TIMELINE_MOVES ? `<li>… ${l.moves.length - MAX_TIMELINE_MOVES} more</li>` : '';
    return `<div class="lane"><h3>${esc(l.title)} (${l.moves.length})</h3>${l.note ? `<p>${esc(l.note)}</p>` : ''}<ol>${items.join('')}${more}</ol></div>`;
  });
  return `<section id="timeline"><h2>${plan.waves ? 'Waves' : 'Moves, in order'}</h2>${html.join('')}</section>`;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
